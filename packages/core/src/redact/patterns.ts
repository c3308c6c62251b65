// Token-shaped strings that must never reach a log line, whoever sent them: the rules, the JWT scanner,
// and the range arithmetic the secret redactor and the sanitiser share.

// The rules: the first five come from the reference implementation and keep its relative order (JWT, bearer,
// GitHub, Vault, long hex). Ours are inserted before the long-hex rule: that rule is the most generic,
// and if it ran first it could eat the hex part of a more specific token and leave the rest of it
// unmatched. PEM blocks come first because their body may contain anything the other rules look for.
//
// Speed: every regex here starts with a literal that V8 scans for with a fast string search (well under
// a microsecond per KiB). An alternation of all rules would defeat that search and cost ten times more,
// so the rules run one by one. The two rules without a literal start (long hex, and JWT whose regex
// can backtrack quadratically) get a linear pre-check or scanner. All regexes are compiled once, here.

interface Rule {
  readonly label: string;
  /** Shortest text the rule can match. */
  readonly minLength: number;
  replace(text: string): string;
  ranges(text: string): TextRange[];
}

function regexRule(
  label: string,
  source: string,
  minLength: number,
  options: {
    replacement?: string;
    trimStart?: number;
    trimEnd?: number;
    gate?: (text: string) => boolean;
  } = {},
): Rule {
  const regex = new RegExp(source, 'g');
  const replacement = options.replacement ?? label;
  const trimStart = options.trimStart ?? 0;
  const trimEnd = options.trimEnd ?? 0;
  const gate = options.gate;
  return {
    label,
    minLength,
    replace(text) {
      if (gate !== undefined && !gate(text)) return text;
      return text.replace(regex, replacement);
    },
    ranges(text) {
      const found: TextRange[] = [];
      if (gate !== undefined && !gate(text)) return found;
      regex.lastIndex = 0;
      for (let m = regex.exec(text); m !== null; m = regex.exec(text)) {
        found.push({ start: m.index + trimStart, end: m.index + m[0].length - trimEnd });
      }
      regex.lastIndex = 0;
      return found;
    },
  };
}

const JWT_RULE: Rule = {
  label: '<redacted-jwt>',
  minLength: 35,
  replace: (text) => {
    const ranges = jwtRanges(text);
    return ranges.length === 0 ? text : replaceRanges(text, ranges, '<redacted-jwt>');
  },
  ranges: jwtRanges,
};

const HEX_RUN = 32;

const RULES: readonly Rule[] = [
  // An unterminated block (cut, or pasted in part) is redacted to the end of the text: its body is the key.
  regexRule(
    '<redacted-private-key>',
    '-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\\s\\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$)',
    30,
  ),
  // \beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b, matched by a linear scanner.
  JWT_RULE,
  // The reference spells this `(?i)\bbearer…`; the `i` flag would defeat V8's literal search.
  regexRule('<redacted-bearer>', '\\b[Bb][Ee][Aa][Rr][Ee][Rr]\\s+[A-Za-z0-9._~+/=-]{8,}', 15),
  // github_pat_ (fine-grained personal access tokens) is ours; the gh?_ form is the reference's.
  regexRule('<redacted-gh-token>', '\\bgh[pousr]_[A-Za-z0-9]{20,}\\b|\\bgithub_pat_[A-Za-z0-9_]{22,}', 24),
  regexRule(
    '<redacted-vault-token>',
    '\\b(?:hvs|hvb|hvr)\\.[A-Za-z0-9_-]+|\\b[sbr]\\.[A-Za-z0-9]{24,}\\b',
    5,
  ),
  regexRule('<redacted-aws-key-id>', '\\b(?:AKIA|ASIA)[A-Z0-9]{16}\\b', 20),
  regexRule('<redacted-slack-token>', '\\bxox[abprs]-[A-Za-z0-9-]{10,}', 15),
  regexRule('<redacted-api-key>', '\\bsk-[A-Za-z0-9_-]{20,}', 23),
  // Any userinfo, not only user:password: tokens are often passed as the user name alone. Anchored on
  // `://` (the scheme, whatever it is, is kept), so "x-https://…" or "1.ftp://…" are covered too.
  regexRule('<redacted>', ':\\/\\/[^\\s/?#@]+@', 5, {
    replacement: '://<redacted>@',
    trimStart: 3,
    trimEnd: 1,
  }),
  regexRule('<redacted-hex>', '\\b[A-Fa-f0-9]{32,}\\b', HEX_RUN, {
    gate: (text) => hasHexRun(text, HEX_RUN),
  }),
];

/** Shortest text any rule can match (`hvs.x`); shorter strings skip every scan. */
const MIN_MATCH_LENGTH = Math.min(...RULES.map((rule) => rule.minLength));

/** Replaces every token-shaped substring with its label, rules applied one after another. */
export function redactPatterns(text: string): string {
  if (text.length < MIN_MATCH_LENGTH) return text;
  let out = text;
  for (const rule of RULES) if (out.length >= rule.minLength) out = rule.replace(out);
  return out;
}

/**
 * Where each rule matches the unmodified text, rules taken independently, in rule order. Used when a
 * text also holds a known secret: the two kinds of ranges are merged, so that neither redaction can
 * break the other's match and leave a part of a token or of a secret behind.
 */
export function patternRanges(text: string): LabelledRange[] {
  const found: LabelledRange[] = [];
  if (text.length < MIN_MATCH_LENGTH) return found;
  for (const rule of RULES) {
    if (text.length < rule.minLength) continue;
    for (const range of rule.ranges(text))
      found.push({ start: range.start, end: range.end, label: rule.label });
  }
  return found;
}

/**
 * Whether `text` holds a run of at least `length` hex digits. Looks at every `length`-th character
 * only (any such run covers one of them) and measures the run around it: a few dozen reads per KiB of
 * prose instead of a regex attempt at every position.
 */
function hasHexRun(text: string, length: number): boolean {
  for (let i = length - 1; i < text.length; i += length) {
    if (!isHexDigit(text.charCodeAt(i))) continue;
    let start = i;
    while (start > 0 && isHexDigit(text.charCodeAt(start - 1))) start--;
    let end = i + 1;
    while (end < text.length && end - start < length && isHexDigit(text.charCodeAt(end))) end++;
    if (end - start >= length) return true;
  }
  return false;
}

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

/**
 * Finds what the reference regex `\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b`
 * finds, in linear time. Run as a regex, it is quadratic: `-` is a non-word character, so every `eyJ`
 * after a `-` is a new start, and each start rescans the rest of the segment (`eyJ-eyJ-…` of 80 KB
 * takes seconds). Here the first segment is consumed once, from its first start: a later start in the
 * same segment shares its end, so it fails whenever the first one does.
 */
const HEAD = /\beyJ[A-Za-z0-9_-]*/g;
const TAIL = /[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/y;
const DOT = 0x2e;
/** `eyJ` and at least 10 more characters. */
const MIN_HEAD_LENGTH = 13;

export function jwtRanges(text: string): TextRange[] {
  const found: TextRange[] = [];
  if (!text.includes('eyJ')) return found;
  HEAD.lastIndex = 0;
  for (let head = HEAD.exec(text); head !== null; head = HEAD.exec(text)) {
    const headEnd = head.index + head[0].length;
    if (head[0].length < MIN_HEAD_LENGTH || text.charCodeAt(headEnd) !== DOT) continue;
    TAIL.lastIndex = headEnd + 1;
    const tail = TAIL.exec(text);
    if (tail === null) continue;
    const end = headEnd + 1 + tail[0].length;
    found.push({ start: head.index, end });
    HEAD.lastIndex = end;
  }
  HEAD.lastIndex = 0;
  TAIL.lastIndex = 0;
  return found;
}

// Range arithmetic shared by the secret redactor and the sanitiser's combined redaction.

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
