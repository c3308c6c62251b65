/**
 * What an argument or response filter matches, from the manifest's pattern to the texts it is tested on:
 * the pattern's checks and compilation, the compiled rule, the candidates derived from a value (decode
 * steps, embedded base64 runs, unescaped and NFKC forms) and the budget that bounds them. The manifest
 * validates patterns with it and the filter middleware runs it, so it depends on neither.
 */

/** The decode steps a rule may list under `decode:`, applied in the order listed. */
export const DECODE_STEPS = ['base64', 'urlsafe_base64', 'url'] as const;
export type DecodeStep = (typeof DECODE_STEPS)[number];

// Filter patterns in reference manifests are Python regular expressions; we run them as JavaScript ones
// (without the `u` flag). Most syntax means the same in both; the checks below reject the constructs that
// would silently mean something else here — a filter that quietly never matches fails open.

const LEADING_IGNORE_CASE = '(?i)';
/** Escapes that mean the same in Python and in a JavaScript RegExp without the `u` flag. */
const PORTABLE_ESCAPE_LETTERS = new Set('bBdDwWsSfnrtvxuck');
const ESCAPE_ADVICE: Readonly<Record<string, string>> = {
  A: "use '^' for the start of the text",
  Z: "use '$' for the end of the text",
  z: "use '$' for the end of the text",
};
const INLINE_FLAGS = /^\(\?[aiLmsux]+\)/;

/** Splits the Python inline `(?i)` that reference patterns start with into a flag. */
export function splitLeadingIgnoreCase(pattern: string): { pattern: string; caseInsensitive: boolean } {
  return pattern.startsWith(LEADING_IGNORE_CASE)
    ? { pattern: pattern.slice(LEADING_IGNORE_CASE.length), caseInsensitive: true }
    : { pattern, caseInsensitive: false };
}

/**
 * Why `pattern` cannot be used as a filter, or undefined when it can. The reason never quotes the pattern
 * beyond the offending construct (an escape or a flag group).
 */
export function filterPatternProblem(pattern: string): string | undefined {
  const body = splitLeadingIgnoreCase(pattern).pattern;
  if (body.length === 0) return 'must not be empty (an empty pattern matches everything)';
  const construct = unportableConstruct(body);
  if (construct) return construct;
  try {
    new RegExp(body);
  } catch (error) {
    return `is not a valid regular expression (${regexpReason(error)})`;
  }
  return undefined;
}

/** Compiles a validated filter pattern; a leading `(?i)` is honoured like `case_insensitive: true`. */
export function compileFilterPattern(
  pattern: string,
  options: { caseInsensitive?: boolean; flags?: string } = {},
): RegExp {
  const split = splitLeadingIgnoreCase(pattern);
  const ignoreCase = options.caseInsensitive === true || split.caseInsensitive;
  const flags = new Set(options.flags ?? '');
  if (ignoreCase) flags.add('i');
  return new RegExp(split.pattern, [...flags].join(''));
}

function unportableConstruct(body: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < body.length; i += 1) {
    const char = body[i];
    if (char === '\\') {
      const next = body[i + 1] ?? '';
      if (/^[A-Za-z]$/.test(next) && !PORTABLE_ESCAPE_LETTERS.has(next)) {
        const advice = ESCAPE_ADVICE[next];
        return `uses the escape '\\${next}', which JavaScript regular expressions do not support${advice ? ` (${advice})` : ''}`;
      }
      i += 1;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
      const first = body[i + 1] === '^' ? i + 2 : i + 1;
      if (body[first] === ']') {
        return "starts a character class with ']', which Python reads as a literal and JavaScript as an empty class; write '\\]'";
      }
      continue;
    }
    if (char === '(' && body[i + 1] === '?') {
      const problem = groupProblem(body.slice(i), i === 0);
      if (problem) return problem;
    }
  }
  return undefined;
}

function groupProblem(group: string, atStart: boolean): string | undefined {
  if (/^\(\?P[<=>]/.test(group)) {
    return "uses Python named-group syntax '(?P<name>...)'; write '(?<name>...)' and '\\k<name>'";
  }
  if (group.startsWith('(?#'))
    return "uses a '(?#...)' comment, which JavaScript regular expressions do not support";
  const flags = INLINE_FLAGS.exec(group);
  if (flags) {
    const where = atStart ? '' : ' in the middle of the pattern';
    return `uses the inline flag group '${flags[0]}'${where}; only a leading '(?i)' is supported (or set case_insensitive: true)`;
  }
  return undefined;
}

function regexpReason(error: unknown): string {
  // V8 formats "Invalid regular expression: /<pattern>/<flags>: <reason>"; keep only the reason.
  if (!(error instanceof Error)) return 'syntax error';
  const { message } = error;
  const reason = message.slice(message.lastIndexOf(': ') + 2).trim();
  return reason.length > 0 && reason.length < 80 ? reason : 'syntax error';
}

// Compiled rules

/** A filter rule compiled once at startup; the same regex validation accepted. */
export interface CompiledFilterRule<Action extends string> {
  readonly name: string;
  readonly action: Action;
  readonly decode: readonly DecodeStep[];
  /** Identifies the decode chain, so rules sharing one share the decoded candidates of a value. */
  readonly chainKey: string;
  /** Search (no `g`: `test()` keeps no state between calls). */
  readonly search: RegExp;
  /** The same pattern with `g`, for redaction. */
  readonly replace: RegExp;
}

export function compileFilterRule<Action extends string>(rule: {
  readonly name: string;
  readonly pattern: string;
  readonly action: Action;
  readonly decode: readonly DecodeStep[];
  readonly case_insensitive: boolean;
}): CompiledFilterRule<Action> {
  const caseInsensitive = rule.case_insensitive;
  return {
    name: rule.name,
    action: rule.action,
    decode: [...rule.decode],
    chainKey: rule.decode.join('>'),
    search: compileFilterPattern(rule.pattern, { caseInsensitive }),
    replace: compileFilterPattern(rule.pattern, { caseInsensitive, flags: 'g' }),
  };
}

/** Where a rule matched a value: the raw text, or a derived candidate (named by `via`). */
export type FilterHit =
  | { readonly matchedOn: 'raw' }
  | { readonly matchedOn: 'decoded'; readonly via: string };

/** The first candidate the rule matches: raw first, then derived ones in order. */
export function matchRule(
  rule: CompiledFilterRule<string>,
  raw: string,
  derived: () => readonly Candidate[],
): FilterHit | undefined {
  if (rule.search.test(raw)) return { matchedOn: 'raw' };
  for (const candidate of derived()) {
    if (rule.search.test(candidate.text)) return { matchedOn: 'decoded', via: candidate.via };
  }
  return undefined;
}

/** Audit fields describing a hit; never the matched text. */
export function hitFields(hit: FilterHit): Record<string, string> {
  return hit.matchedOn === 'raw' ? { matched_on: 'raw' } : { matched_on: 'decoded', decoded_by: hit.via };
}

// Candidates

/** A text a filter pattern is matched against, besides the raw value. */
export interface Candidate {
  readonly text: string;
  /** How it was derived from the raw value, e.g. `url>base64`, `base64[runs]`, `unescape>nfkc`. */
  readonly via: string;
}

/**
 * Derived text produced per call (arguments) or per response, across every value and rule: a call with
 * many mid-sized encoded values cannot make the filters decode without end. 1 MiB is 16 values of the
 * largest size that is decoded at all.
 */
const DECODE_BUDGET_CHARS = 1024 * 1024;

/** Why some value was matched raw only. */
export type SkipReason = 'value_too_large' | 'budget_exhausted';

/** Shared by every value of one call: counts derived text and remembers why anything was skipped. */
export class DecodeBudget {
  private remaining: number;
  /** Names of the values (fields) that were matched raw only, by reason; bounded. */
  readonly skipped = new Map<SkipReason, Set<string>>();

  constructor(chars: number = DECODE_BUDGET_CHARS) {
    this.remaining = chars;
  }

  take(chars: number, where: string): boolean {
    if (chars > this.remaining) {
      this.remaining = 0;
      this.skip('budget_exhausted', where);
      return false;
    }
    this.remaining -= chars;
    return true;
  }

  skip(reason: SkipReason, where: string): void {
    let names = this.skipped.get(reason);
    if (!names) {
      names = new Set();
      this.skipped.set(reason, names);
    }
    if (names.size < 10) names.add(where);
  }
}

/**
 * Every derived candidate of `text` for one decode chain. The chain follows the reference (§5.3): each
 * step applies to the last successful value, a failed step is skipped. Beyond it, base64 steps also
 * decode runs embedded in longer text, and every candidate (raw included) adds its unescaped and
 * NFKC-normalised forms. The raw text itself is not included. Values too large to decode, and anything
 * past the budget, yield fewer candidates (raw is always matched) and are recorded in the budget.
 */
export function deriveCandidates(
  text: string,
  chain: readonly DecodeStep[],
  budget: DecodeBudget,
  where: string,
): Candidate[] {
  if (text.length > MAX_ENCODED_CHARS) {
    budget.skip('value_too_large', where);
    return [];
  }
  const out: Candidate[] = [];
  const seen = new Set<string>([text]);
  let exhausted = false;
  /** Adds a new candidate; false only when the budget refused it. */
  const add = (candidate: Candidate): boolean => {
    if (seen.has(candidate.text)) return true;
    if (!budget.take(candidate.text.length, where)) {
      exhausted = true;
      return false;
    }
    seen.add(candidate.text);
    out.push(candidate);
    return true;
  };

  let frontier: Candidate[] = [{ text, via: '' }];
  for (const step of chain) {
    const next: Candidate[] = [];
    for (const current of frontier) {
      const produced: Candidate[] = [];
      const whole = decodeWhole(step, current.text);
      if (whole !== undefined) produced.push({ text: whole, via: join(current.via, step) });
      const runs = decodeRuns(step, current.text);
      if (runs !== undefined) produced.push({ text: runs, via: join(current.via, `${step}[runs]`) });
      for (const candidate of produced) if (!add(candidate)) return out;
      // A failed step is skipped: the chain goes on from the last value that decoded.
      next.push(...(produced.length > 0 ? produced : [current]));
    }
    frontier = next;
  }

  const bases: Candidate[] = [{ text, via: '' }, ...out];
  for (const base of bases) {
    if (exhausted) break;
    const unescaped = unescapeText(base.text);
    const forms =
      unescaped === undefined ? [base] : [base, { text: unescaped, via: join(base.via, 'unescape') }];
    if (unescaped !== undefined && !add(forms[1] as Candidate)) break;
    for (const form of forms) {
      const normalized = normalizeText(form.text);
      if (normalized !== undefined && !add({ text: normalized, via: join(form.via, 'nfkc') })) break;
    }
  }
  return out;
}

function join(via: string, step: string): string {
  return via.length === 0 ? step : `${via}>${step}`;
}

// Decode steps

/** Decoded text larger than this is not produced (reference: 64 KiB). */
export const MAX_DECODED_BYTES = 64 * 1024;
/** Encoded input whose decoding could exceed MAX_DECODED_BYTES is not decoded at all (raw is still matched). */
export const MAX_ENCODED_CHARS = Math.floor((MAX_DECODED_BYTES * 4) / 3);

// The reference decodes with Python's `bytes.decode('utf-8', 'replace')`, which keeps a leading BOM.
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * One decode step applied to a whole value, as the reference does (§5.3): `url` = percent-decoding
 * (Python `unquote`), `base64` = strict standard alphabet (`b64decode(validate=True)`) with missing
 * padding added (the reference refused unpadded input), `urlsafe_base64` = padded to a multiple of 4,
 * then the lenient url-safe decoder. Returns undefined when the step fails or changes nothing.
 */
export function decodeWhole(step: DecodeStep, text: string): string | undefined {
  if (text.length === 0 || text.length > MAX_ENCODED_CHARS) return undefined;
  let decoded: string | undefined;
  if (step === 'url') decoded = percentDecode(text);
  else {
    const bytes = step === 'base64' ? strictBase64(text) : urlsafeBase64(text);
    decoded = bytes === undefined || bytes.length === 0 ? undefined : lenientUtf8.decode(bytes);
  }
  return decoded === text ? undefined : decoded;
}

// At least 8 characters (6 bytes): shorter runs are mostly ordinary words that happen to decode to a few
// printable bytes. A short value that is base64 as a whole is still decoded by decodeWhole.
const STANDARD_RUN = /[A-Za-z0-9+/]{8,}={0,2}/g;
const URLSAFE_RUN = /[A-Za-z0-9+/_-]{8,}={0,2}/g;
/** Controls other than tab, LF and CR: decoded runs that contain them are binary, not a hidden text. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const BINARY_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/**
 * Beyond the reference, which only decodes a value that is entirely base64: every base64 run embedded
 * in a longer text (`echo cm0gLXJmIC8= | base64 -d | sh`) is decoded too. Only runs that decode to valid
 * UTF-8 text count, so ordinary words (which are often valid base64) add nothing. The decoded runs are
 * joined with newlines into one candidate, so a value with thousands of runs still costs one match.
 */
export function decodeRuns(step: DecodeStep, text: string): string | undefined {
  if (step === 'url' || text.length === 0 || text.length > MAX_ENCODED_CHARS) return undefined;
  const runPattern = step === 'base64' ? STANDARD_RUN : URLSAFE_RUN;
  const parts: string[] = [];
  for (const match of text.matchAll(runPattern)) {
    // A run that is the whole value is the whole-value decoding's job.
    if (match[0].length === text.length) continue;
    const bytes = step === 'base64' ? strictBase64(match[0]) : urlsafeBase64(match[0]);
    if (bytes === undefined || bytes.length === 0) continue;
    const decoded = asText(bytes);
    if (decoded !== undefined) parts.push(decoded);
  }
  return parts.length > 0 ? parts.join('\n') : undefined;
}

/** Decoded bytes that look like text: valid UTF-8 without binary control characters. */
export function asText(bytes: Uint8Array): string | undefined {
  let decoded: string;
  try {
    decoded = strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
  return BINARY_CONTROL.test(decoded) ? undefined : decoded;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range starts at NUL
const ASCII_RUN = /[\u0000-\u007f]+/g;

/**
 * Python's `urllib.parse.unquote`: `%XX` escapes in each run of ASCII characters become bytes, decoded as
 * UTF-8 with replacement; malformed escapes stay as they are; `+` is not a space.
 */
export function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  return text.replace(ASCII_RUN, (run) => {
    if (!run.includes('%')) return run;
    const bytes = new Uint8Array(run.length);
    let length = 0;
    for (let i = 0; i < run.length; i++) {
      const code = run.charCodeAt(i);
      if (
        code === 0x25 &&
        i + 2 < run.length &&
        isHex(run.charCodeAt(i + 1)) &&
        isHex(run.charCodeAt(i + 2))
      ) {
        bytes[length++] = Number.parseInt(run.slice(i + 1, i + 3), 16);
        i += 2;
      } else {
        bytes[length++] = code;
      }
    }
    return lenientUtf8.decode(bytes.subarray(0, length));
  });
}

function isHex(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

const STRICT_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Python `base64.b64decode(s, validate=True)` (only the standard alphabet, then binascii's decoder), except
 * that missing padding is added first, as for `urlsafe_base64`: `base64 -d` decodes `cm0gLXJmIC8` to
 * `rm -rf /` with a warning, so a filter that needed the `=` would let an unpadded payload through.
 */
export function strictBase64(text: string): Uint8Array | undefined {
  if (!STRICT_BASE64.test(text)) return undefined;
  return a2bBase64(text + '='.repeat((4 - (text.length % 4)) % 4));
}

/** Python `base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))`; non-ASCII input fails like in Python. */
export function urlsafeBase64(text: string): Uint8Array | undefined {
  if (!isAscii(text)) return undefined;
  const padded = text + '='.repeat((4 - (text.length % 4)) % 4);
  return a2bBase64(padded.replaceAll('-', '+').replaceAll('_', '/'));
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

const BASE64_VALUES = (() => {
  const table = new Int8Array(128).fill(-1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
})();

/**
 * A port of CPython's non-strict `binascii.a2b_base64`: characters outside the alphabet are skipped, a
 * complete padding ends the input, and a dangling partial group is an error.
 */
function a2bBase64(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let length = 0;
  let quadPos = 0;
  let pads = 0;
  let left = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x3d) {
      pads++;
      if (quadPos >= 2 && quadPos + pads >= 4) return out.subarray(0, length);
      continue;
    }
    const value = code < 128 ? (BASE64_VALUES[code] as number) : -1;
    if (value < 0) continue;
    pads = 0;
    switch (quadPos) {
      case 0:
        left = value;
        quadPos = 1;
        break;
      case 1:
        out[length++] = ((left << 2) | (value >> 4)) & 0xff;
        left = value & 0x0f;
        quadPos = 2;
        break;
      case 2:
        out[length++] = ((left << 4) | (value >> 2)) & 0xff;
        left = value & 0x03;
        quadPos = 3;
        break;
      default:
        out[length++] = ((left << 6) | value) & 0xff;
        left = 0;
        quadPos = 0;
    }
    if (length > MAX_DECODED_BYTES) return undefined;
  }
  return quadPos === 0 ? out.subarray(0, length) : undefined;
}

// Variants: always-on candidate forms (not configurable, beyond the reference): the same text as a person, a
// terminal or an interpreter would read it. Both return undefined when they change nothing, so plain ASCII
// without escapes costs one regex test.

// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range starts at NUL
const NON_ASCII = /[^\u0000-\u007f]/;
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;

/**
 * NFKC (full-width `ｒｍ` → `rm`, ligatures, the Kelvin sign, `ſ` → `s`) and without default-ignorable
 * code points (zero-width space/joiners, soft hyphen, variation selectors), which render as nothing.
 */
export function normalizeText(text: string): string | undefined {
  if (!NON_ASCII.test(text)) return undefined;
  const normalized = text.normalize('NFKC').replace(IGNORABLE, '');
  return normalized === text ? undefined : normalized;
}

const ESCAPE_HINT = /\\|&#/;
const ESCAPES =
  /\\u\{([0-9A-Fa-f]{1,6})\}|\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\x([0-9A-Fa-f]{2})|\\([0-3][0-7]{2})|&#[xX]([0-9A-Fa-f]{1,6});?|&#([0-9]{1,7});?/g;

/**
 * Literal escape sequences that languages, shells (`$'\x72\x6d'`) and HTML turn into characters:
 * `\uXXXX`, `\u{X…}`, `\UXXXXXXXX`, `\xXX`, `\NNN` (octal) and `&#NNN;` / `&#xHH;`. Escapes that name
 * no code point stay as they are.
 */
export function unescapeText(text: string): string | undefined {
  if (!ESCAPE_HINT.test(text)) return undefined;
  const unescaped = text.replace(
    ESCAPES,
    (
      whole,
      brace?: string,
      u4?: string,
      u8?: string,
      x2?: string,
      oct?: string,
      hex?: string,
      dec?: string,
    ) => {
      const code =
        brace !== undefined || u4 !== undefined || u8 !== undefined || x2 !== undefined || hex !== undefined
          ? Number.parseInt((brace ?? u4 ?? u8 ?? x2 ?? hex) as string, 16)
          : oct !== undefined
            ? Number.parseInt(oct, 8)
            : Number.parseInt(dec as string, 10);
      if (u4 !== undefined) return String.fromCharCode(code); // keeps `\ud83d\ude00` pairs working
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    },
  );
  return unescaped === text ? undefined : unescaped;
}
