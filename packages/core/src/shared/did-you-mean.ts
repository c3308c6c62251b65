// "Did you mean" for names people type: manifest keys, module names.

/**
 * The known name closest to a misspelt one, or undefined when none is close: same letters ignoring case,
 * `_` and `-` (so `agentType` → `agent_type`), or a small edit distance.
 */
export function didYouMean(input: string, known: Iterable<string>): string | undefined {
  const folded = fold(input);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    if (fold(candidate) === folded) return candidate;
    const distance = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(1, Math.floor(Math.min(input.length, best?.length ?? 0) / 3));
  return bestDistance <= allowed ? best : undefined;
}

function fold(name: string): string {
  return name.toLowerCase().replaceAll(/[_-]/g, '');
}

function editDistance(a: string, b: string): number {
  // Levenshtein with adjacent transposition counted as one edit (`cofnig` → `config`).
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}
