// The text of one JSONL line, the same for the audit and the ops log: its timestamp, and no character that a
// common tool takes for the end of a line.

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * `,"timestamp":"<ISO 8601 UTC>"` as `Date#toISOString` writes it (pino's `timestamp` option). Runs for every
 * audit line, so the text up to the second is formatted once per second and only the milliseconds per call.
 */
export function timestamp(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = `,"timestamp":"${new Date(second * 1000).toISOString().slice(0, 20)}`;
  }
  const ms = now - second * 1000;
  return `${cachedPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
}

// JSON.stringify leaves U+2028, U+2029 and U+0085 raw, and JSON allows them; but JavaScript before ES2019,
// Python's str.splitlines, many editors and log shippers end a line at each. A line holding one would be read
// as two broken ones.
const LINE_BREAKERS = /[\u0085\u2028\u2029]/g;
const ESCAPED: Readonly<Record<string, string>> = {
  '\u0085': '\\u0085',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * Escapes U+2028, U+2029 and U+0085 in a serialised JSON line. Outside strings JSON has no place for them, so
 * each one is inside a string, where `\uXXXX` means the same character: the line stays valid JSON and parses
 * to the same value. The hash chain hashes the escaped text, the text that is written.
 */
export function escapeLineBreakers(line: string): string {
  // The search alone on the usual line: no replacement, no new string.
  LINE_BREAKERS.lastIndex = 0;
  if (!LINE_BREAKERS.test(line)) return line;
  return line.replace(LINE_BREAKERS, (char) => ESCAPED[char]!);
}
