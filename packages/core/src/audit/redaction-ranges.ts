/** Range arithmetic shared by the secret redactor and the sanitiser's combined redaction. */

export interface TextRange {
  readonly start: number;
  readonly end: number;
}

export interface LabelledRange extends TextRange {
  readonly label: string;
}

/** Sorts by start and joins overlapping or touching ranges. */
export function mergeRanges(ranges: readonly TextRange[]): TextRange[] {
  if (ranges.length <= 1) return ranges.slice();
  const sorted = ranges.slice().sort((a, b) => a.start - b.start);
  const merged: TextRange[] = [];
  let current = sorted[0]!;
  for (let i = 1; i < sorted.length; i++) {
    const range = sorted[i]!;
    if (range.start <= current.end) {
      if (range.end > current.end) current = { start: current.start, end: range.end };
    } else {
      merged.push(current);
      current = range;
    }
  }
  merged.push(current);
  return merged;
}

/**
 * Joins overlapping ranges of different labels into one. The label kept is the one of the range that
 * comes first in `ranges` among those joined: callers list ranges in order of precedence.
 */
export function mergeLabelledRanges(ranges: readonly LabelledRange[]): LabelledRange[] {
  const ranked = ranges.map((range, rank) => ({ range, rank }));
  ranked.sort((a, b) => a.range.start - b.range.start);
  const merged: LabelledRange[] = [];
  let start = -1;
  let end = -1;
  let best = { label: '', rank: Number.POSITIVE_INFINITY };
  for (const { range, rank } of ranked) {
    if (start >= 0 && range.start <= end) {
      if (range.end > end) end = range.end;
      if (rank < best.rank) best = { label: range.label, rank };
      continue;
    }
    if (start >= 0) merged.push({ start, end, label: best.label });
    start = range.start;
    end = range.end;
    best = { label: range.label, rank };
  }
  if (start >= 0) merged.push({ start, end, label: best.label });
  return merged;
}

/** Replaces each (sorted, disjoint) range with its label, or with `placeholder` for unlabelled ranges. */
export function replaceRanges(
  text: string,
  ranges: readonly (TextRange & { readonly label?: string })[],
  placeholder = '',
): string {
  let out = '';
  let cursor = 0;
  for (const range of ranges) {
    out += text.slice(cursor, range.start) + (range.label ?? placeholder);
    cursor = range.end;
  }
  return out + text.slice(cursor);
}
