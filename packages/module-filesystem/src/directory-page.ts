import { compareCodePoints } from './code-point-order.js';

export interface PageRequest {
  /** Only names after this one in code-point order (the previous page's last name). */
  readonly after?: string | undefined;
  /** Only names that start with this. */
  readonly prefix?: string | undefined;
  /** Names on the page, at most. */
  readonly limit: number;
  /** Names never shown (a write's temp files). */
  readonly hidden: (name: string) => boolean;
}

export interface DirectoryPage {
  /** The first `limit` names after `after`, sorted by code point. */
  readonly entries: string[];
  /** Names in the directory that match the prefix, on this page or any other. */
  readonly total: number;
  /** Matching names at or before `after`: where this page starts. */
  readonly skipped: number;
  /** Whether matching names follow this page. */
  readonly truncated: boolean;
}

/**
 * One page of a directory listing, read in a single pass over the names as the kernel gives them
 * (unsorted). Keeps only the `limit` smallest names after the cursor (a max-heap), so memory is bounded
 * by the page, not the directory; the count of all matching names comes with it for free.
 */
export async function readDirectoryPage(
  names: AsyncIterable<string>,
  { after, prefix, limit, hidden }: PageRequest,
): Promise<DirectoryPage> {
  const heap = new LargestOnTop(limit);
  let total = 0;
  let skipped = 0;
  for await (const name of names) {
    if (prefix !== undefined && !name.startsWith(prefix)) continue;
    if (hidden(name)) continue;
    total++;
    if (after !== undefined && compareCodePoints(name, after) <= 0) skipped++;
    else heap.offer(name);
  }
  const entries = heap.drain().sort(compareCodePoints);
  return { entries, total, skipped, truncated: skipped + entries.length < total };
}

/** The `capacity` smallest names offered so far, in a binary max-heap (largest at index 0). */
class LargestOnTop {
  private readonly items: string[] = [];

  constructor(private readonly capacity: number) {}

  offer(name: string): void {
    const items = this.items;
    if (items.length < this.capacity) {
      items.push(name);
      this.siftUp(items.length - 1);
    } else if (compareCodePoints(name, items[0] as string) < 0) {
      items[0] = name;
      this.siftDown(0);
    }
  }

  drain(): string[] {
    return this.items.splice(0);
  }

  private siftUp(index: number): void {
    const items = this.items;
    const item = items[index] as string;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (compareCodePoints(items[parent] as string, item) >= 0) break;
      items[index] = items[parent] as string;
      index = parent;
    }
    items[index] = item;
  }

  private siftDown(index: number): void {
    const items = this.items;
    const item = items[index] as string;
    const length = items.length;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= length) break;
      if (child + 1 < length && compareCodePoints(items[child + 1] as string, items[child] as string) > 0) {
        child++;
      }
      if (compareCodePoints(items[child] as string, item) <= 0) break;
      items[index] = items[child] as string;
      index = child;
    }
    items[index] = item;
  }
}
