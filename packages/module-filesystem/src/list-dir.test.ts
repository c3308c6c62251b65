import { writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readErrorMeta } from '@scoped-mcp/core';
import { createModuleHarness, type HarnessResult, type ModuleHarness } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import filesystem from './index.js';

let tmp: string;
let base: string;
let root: string;
const open: ModuleHarness[] = [];

async function harness(config: Record<string, unknown> = {}): Promise<ModuleHarness> {
  const h = await createModuleHarness(filesystem, {
    config: { base_path: base, ...config },
    agentId: 'agent-a',
  });
  open.push(h);
  return h;
}

/** Empty files named `prefix000` … in `dir`, created in a shuffled order (the kernel's order is not sorted). */
async function fill(dir: string, count: number, prefix = 'f'): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const names = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);
  const shuffled = [...names].sort(() => Math.random() - 0.5);
  // Synchronous: thousands of empty files, one thread-pool round trip each, would cost seconds.
  for (const name of shuffled) writeFileSync(join(dir, name), '');
  return names;
}

interface Listing {
  entries: string[];
  total: number;
  truncated: boolean;
  next_after?: string;
}

function listing(result: HarnessResult): Listing {
  expect(result.isError, result.text).toBe(false);
  return result.raw.structuredContent as unknown as Listing;
}

beforeEach(async () => {
  tmp = await realpath(await mkdtemp(join(tmpdir(), 'fs-list-')));
  base = join(tmp, 'base');
  root = join(base, 'agents', 'agent-a');
});

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('list_dir on a directory larger than max_list_entries', () => {
  it('returns the first page, says it was cut, how many there are and how to go on', async () => {
    const h = await harness({ max_list_entries: 5 });
    const names = await fill(join(root, 'big'), 12);
    const r = await h.call('list_dir', { path: 'big' });
    expect(listing(r)).toEqual({
      entries: names.slice(0, 5),
      total: 12,
      truncated: true,
      next_after: 'f00004',
    });
    expect(r.text).toBe(
      `${JSON.stringify(names.slice(0, 5))}\n` +
        'Listing cut: entries 1–5 of 12 entries (max_list_entries is 5). ' +
        'Next page: call filesystem_list_dir with {"path":"big","after":"f00004"}. ' +
        'To narrow it, pass prefix (names starting with it).',
    );
  });

  it('pages through the whole directory with after, in code-point order, each name once', async () => {
    const h = await harness({ max_list_entries: 5 });
    const names = await fill(join(root, 'big'), 12);
    const seen: string[] = [];
    const pages: Listing[] = [];
    let after: string | undefined;
    for (;;) {
      const page = listing(await h.call('list_dir', { path: 'big', ...(after ? { after } : {}) }));
      pages.push(page);
      seen.push(...page.entries);
      if (!page.truncated) break;
      after = page.next_after;
    }
    expect(seen).toEqual(names);
    expect(pages.map((p) => [p.entries.length, p.total, p.truncated])).toEqual([
      [5, 12, true],
      [5, 12, true],
      [2, 12, false],
    ]);
    expect(pages.at(-1)).not.toHaveProperty('next_after');
    // The last page is not cut: its text is the plain JSON array, as for any small directory.
    expect((await h.call('list_dir', { path: 'big', after: 'f00009' })).json()).toEqual(['f00010', 'f00011']);
  });

  it('continues after the cursor even when the names already seen were deleted meanwhile', async () => {
    const h = await harness({ max_list_entries: 4 });
    const names = await fill(join(root, 'queue'), 10);
    const first = listing(await h.call('list_dir', { path: 'queue' }));
    for (const name of first.entries) await rm(join(root, 'queue', name));
    const second = listing(await h.call('list_dir', { path: 'queue', after: first.next_after }));
    expect(second).toEqual({ entries: names.slice(4, 8), total: 6, truncated: true, next_after: 'f00007' });
  });

  it('cuts at 5000 names by default', async () => {
    const h = await harness();
    await fill(join(root, 'big'), 5001);
    const page = listing(await h.call('list_dir', { path: 'big' }));
    expect(page.entries).toHaveLength(5000);
    expect(page).toMatchObject({ total: 5001, truncated: true, next_after: 'f04999' });
  }, 30_000);

  it('takes a smaller page with limit, and never more than max_list_entries', async () => {
    const h = await harness({ max_list_entries: 5 });
    const names = await fill(root, 12);
    const small = await h.call('list_dir', { limit: 2, after: 'f00003' });
    expect(listing(small)).toEqual({
      entries: names.slice(4, 6),
      total: 12,
      truncated: true,
      next_after: 'f00005',
    });
    expect(small.text).toContain('Listing cut: entries 5–6 of 12 entries (limit 2). ');
    expect(small.text).toContain('call filesystem_list_dir with {"path":"","after":"f00005"}');
    const big = await h.call('list_dir', { limit: 1000 });
    expect(listing(big).entries).toEqual(names.slice(0, 5));
    expect(big.text).toContain('(max_list_entries is 5)');
  });

  it('narrows to names starting with prefix; total counts the matching names only', async () => {
    const h = await harness({ max_list_entries: 3 });
    await fill(root, 6, 'log-');
    await fill(root, 4, 'report-');
    const r = await h.call('list_dir', { prefix: 'report-' });
    expect(listing(r)).toEqual({
      entries: ['report-00000', 'report-00001', 'report-00002'],
      total: 4,
      truncated: true,
      next_after: 'report-00002',
    });
    expect(r.text).toContain('of 4 entries starting with "report-"');
    expect(r.text).toContain('{"path":"","prefix":"report-","after":"report-00002"}');
    const rest = await h.call('list_dir', { prefix: 'report-', after: 'report-00002' });
    expect(listing(rest)).toEqual({ entries: ['report-00003'], total: 4, truncated: false });
    expect(listing(await h.call('list_dir', { prefix: 'none' }))).toEqual({
      entries: [],
      total: 0,
      truncated: false,
    });
  });

  it('orders pages by code point, across the surrogate range', async () => {
    const h = await harness({ max_list_entries: 1 });
    const names = ['Z', 'a', '\uFF41', '\u{1F600}', '\u{1F600}a'];
    for (const name of [...names].reverse()) await writeFile(join(root, name), '');
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = listing(await h.call('list_dir', after === undefined ? {} : { after }));
      seen.push(...page.entries);
      after = page.next_after;
    } while (after !== undefined);
    expect(seen).toEqual(names);
  });

  it('gives an empty last page for a cursor past the end', async () => {
    const h = await harness();
    await fill(root, 3);
    const r = await h.call('list_dir', { after: 'zzz' });
    expect(listing(r)).toEqual({ entries: [], total: 3, truncated: false });
    expect(r.text).toBe('[]');
  });

  it.each([
    [{ limit: 0 }, /limit: Too small/],
    [{ limit: 1.5 }, /limit: Invalid input: expected int/],
    [{ prefix: 'logs/2024' }, /prefix: prefix matches names inside the directory and cannot contain '\/'/],
    // No name is longer than 255 bytes, so no cursor needs more than 255 UTF-16 units.
    [{ after: 'x'.repeat(256) }, /after: Too big/],
  ])('refuses %j as bad input', async (args, message) => {
    const h = await harness();
    const r = await h.call('list_dir', args);
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(message);
    expect(readErrorMeta(r.raw)?.code).toBe('SMCP_TOOL_INPUT');
  });

  it.each([[{ max_list_entries: 0 }], [{ max_list_entries: 1.5 }], [{ max_list_entries: 100_001 }]])(
    'rejects config %j',
    async (config) => {
      await expect(
        createModuleHarness(filesystem, { config: { base_path: '/x', ...config } }),
      ).rejects.toThrow(/max_list_entries/);
    },
  );
});
