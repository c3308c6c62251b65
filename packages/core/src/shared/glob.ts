/**
 * fnmatch-style glob matching with Python `fnmatch.fnmatchcase` semantics, so manifests written for the
 * reference implementation select the same tools: `*` any run, `?` one character, `[seq]` / `[!seq]` sets
 * with ranges; case-sensitive; the whole name must match. Every other character (including regex
 * metacharacters and backslash) is literal. Compiled once to a RegExp; matching is one `test()`.
 */
export function compileGlob(pattern: string): (name: string) => boolean {
  const regex = new RegExp(`^(?:${translateGlob(pattern)})$`, 'su');
  return (name: string) => regex.test(name);
}

/** The RegExp source (no anchors, flags `su`) equivalent to a glob pattern. Exposed for tests. */
export function translateGlob(pattern: string): string {
  const tokens = tokenize(pattern);
  // Like CPython: each interior `*fixed` is matched lazily and then committed (atomic), so patterns such
  // as `*a*a*a*b` cannot backtrack polynomially. JS has no atomic groups; a capturing lookahead plus a
  // backreference is the standard equivalent. Segments between stars are fixed-length, so committing to
  // the leftmost match of each one never loses a match.
  let i = 0;
  let out = '';
  while (i < tokens.length && tokens[i] !== STAR) out += tokens[i++] as string;
  let group = 0;
  while (i < tokens.length) {
    i++; // the star
    let fixed = '';
    while (i < tokens.length && tokens[i] !== STAR) fixed += tokens[i++] as string;
    if (i === tokens.length) {
      out += `.*${fixed}`;
    } else {
      group++;
      out += `(?=(.*?${fixed}))\\${group}`;
    }
  }
  return out;
}

const STAR = Symbol('star');
type Token = string | typeof STAR;

function tokenize(pattern: string): Token[] {
  // Code points, not UTF-16 units: Python's `?` matches one character, and so does `.` under the `u` flag.
  const chars = Array.from(pattern);
  const n = chars.length;
  const tokens: Token[] = [];
  let i = 0;
  while (i < n) {
    const c = chars[i] as string;
    i++;
    if (c === '*') {
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR);
    } else if (c === '?') {
      tokens.push('.');
    } else if (c === '[') {
      const close = findSetEnd(chars, i);
      if (close < 0) {
        tokens.push('\\[');
      } else {
        tokens.push(translateSet(chars.slice(i, close)));
        i = close + 1;
      }
    } else {
      tokens.push(escapeChar(c));
    }
  }
  return tokens;
}

/** Index of the `]` closing a set whose body starts at `start`, or -1 (then `[` is a literal). */
function findSetEnd(chars: readonly string[], start: number): number {
  let j = start;
  if (chars[j] === '!') j++;
  // A `]` right after `[` or `[!` is a member, not the end.
  if (chars[j] === ']') j++;
  while (j < chars.length && chars[j] !== ']') j++;
  return j < chars.length ? j : -1;
}

/**
 * Mirrors CPython's fnmatch._translate for a set body: split at range hyphens (the first character, and
 * the character right after a range, are never range hyphens), drop reversed ranges (`z-a` matches
 * nothing), treat everything else literally.
 */
function translateSet(body: readonly string[]): string {
  const negated = body[0] === '!';
  const chunks: string[][] = [];
  let chunkStart = 0;
  let k = negated ? 2 : 1;
  for (;;) {
    const hyphen = indexOfFrom(body, '-', k);
    if (hyphen < 0) break;
    chunks.push(body.slice(chunkStart, hyphen));
    chunkStart = hyphen + 1;
    k = hyphen + 3;
  }
  const tail = body.slice(chunkStart);
  if (tail.length > 0) chunks.push(tail);
  else (chunks[chunks.length - 1] as string[]).push('-');

  for (let m = chunks.length - 1; m > 0; m--) {
    const prev = chunks[m - 1] as string[];
    const cur = chunks[m] as string[];
    if (compareCodePoints(prev, cur) > 0) {
      chunks[m - 1] = [...prev.slice(0, -1), ...cur.slice(1)];
      chunks.splice(m, 1);
    }
  }

  // Strip the negation marker from the first chunk: members are everything after it.
  if (negated) chunks[0] = (chunks[0] as string[]).slice(1);

  let members = '';
  let count = 0;
  for (let m = 0; m < chunks.length; m++) {
    const chunk = chunks[m] as string[];
    const rangeStartAtEnd = m < chunks.length - 1;
    for (let x = 0; x < chunk.length; x++) {
      const isRangeEnd = m > 0 && x === 0;
      const isRangeStart = rangeStartAtEnd && x === chunk.length - 1;
      if (isRangeEnd) continue; // emitted with its start
      if (isRangeStart) {
        const end = (chunks[m + 1] as string[])[0] as string;
        members += `${escapeChar(chunk[x] as string)}-${escapeChar(end)}`;
      } else {
        members += escapeChar(chunk[x] as string);
      }
      count++;
    }
  }
  if (count === 0) return negated ? '.' : '(?!)';
  return negated ? `[^${members}]` : `[${members}]`;
}

/** Python compares str by code point; JS `>` on strings compares UTF-16 units, which differs above U+FFFF. */
function compareCodePoints(prev: readonly string[], cur: readonly string[]): number {
  const a = (prev[prev.length - 1] as string).codePointAt(0) as number;
  const b = (cur[0] as string).codePointAt(0) as number;
  return a - b;
}

function indexOfFrom(chars: readonly string[], needle: string, from: number): number {
  for (let x = from; x < chars.length; x++) if (chars[x] === needle) return x;
  return -1;
}

function escapeChar(c: string): string {
  return `\\u{${(c.codePointAt(0) as number).toString(16)}}`;
}
