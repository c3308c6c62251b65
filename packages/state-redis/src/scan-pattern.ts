/**
 * The Redis SCAN MATCH pattern for an fnmatch glob: its literal head (up to the first wildcard after the
 * first `literalLength` characters, which are literal whatever they hold), escaped, then `*`. SCAN narrows
 * on the server; the exact glob is applied afterwards on the client, so `keys()` selects exactly what the
 * in-process backend does (Redis and fnmatch disagree on `\` and `[^`).
 */
export function scanMatchFor(pattern: string, literalLength = 0): string {
  const rest = pattern.slice(literalLength).search(/[*?[]/);
  const head = rest < 0 ? pattern : pattern.slice(0, literalLength + rest);
  return `${head.replace(/[\\*?[\]^]/g, (c) => `\\${c}`)}*`;
}
