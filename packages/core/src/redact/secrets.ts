import { mergeRanges, replaceRanges, type TextRange } from './patterns.js';

export const SECRET_PLACEHOLDER = '<redacted-secret>';

/**
 * Exact-value redaction of the credentials this process holds.
 *
 * Each secret is matched as is, JSON-string-escaped (also with non-ASCII as \uXXXX), percent-encoded
 * (encodeURIComponent, lower-case hex, `+` for space, encodeURI) and base64 (standard and url-safe,
 * padded or not, at any byte alignment inside a longer blob — see secretForms). A base64 match
 * is widened by one base64 character on each side and any `=` padding after it, because those edge
 * characters carry a few bits of the secret.
 *
 * Values shorter than 6 characters, and purely numeric values shorter than 10 digits, are ignored: a
 * module's port "587" or user "admin" would otherwise be blanked out of every log line.
 *
 * Not covered: base64 split by line breaks (MIME), hex, double escaping, and other transforms.
 */
export interface SecretRedactor {
  /** False when there is no secret to look for (the fast path: callers may skip the calls). */
  readonly active: boolean;
  /** Upper bound of a match's length, so a caller scanning a window knows how far past its cut to look. */
  readonly longestMatch: number;
  /** Replaces every occurrence (in any form) with `<redacted-secret>`. */
  redact(text: string): string;
  contains(text: string): boolean;
  /** Sorted, merged ranges of every occurrence, overlapping ones included. */
  ranges(text: string): TextRange[];
}

const INACTIVE: SecretRedactor = Object.freeze({
  active: false,
  longestMatch: 0,
  redact: (text: string) => text,
  contains: () => false,
  ranges: () => [],
});

export function createSecretRedactor(secrets: readonly string[]): SecretRedactor {
  const literalForms = new Set<string>();
  const base64Forms = new Set<string>();
  for (const secret of new Set(secrets)) {
    if (typeof secret !== 'string' || !isRedactableSecret(secret)) continue;
    const forms = secretForms(secret);
    for (const form of forms.literal) literalForms.add(form);
    for (const form of forms.base64) base64Forms.add(form);
  }
  // A form that is also a literal form of some secret is redacted exactly, not widened.
  for (const form of literalForms) base64Forms.delete(form);
  const allForms = new Set([...literalForms, ...base64Forms]);
  if (allForms.size === 0) return INACTIVE;

  // Longest first: where one form is a prefix of another, the longer one must win at that position.
  const ordered = [...allForms].sort((a, b) => b.length - a.length);
  const source = ordered.map(escapeRegExp).join('|');
  const find = new RegExp(source, 'g');
  const test = new RegExp(source);
  const longestMatch = (ordered[0]?.length ?? 0) + 4;

  function ranges(text: string): TextRange[] {
    const found: TextRange[] = [];
    find.lastIndex = 0;
    for (let m = find.exec(text); m !== null; m = find.exec(text)) {
      let start = m.index;
      let end = start + m[0].length;
      if (base64Forms.has(m[0])) {
        if (start > 0 && isBase64Char(text.charCodeAt(start - 1))) start--;
        if (end < text.length && isBase64Char(text.charCodeAt(end))) end++;
        while (end < text.length && text.charCodeAt(end) === EQUALS) end++;
      }
      found.push({ start, end });
      // Resume one character later, not after the match: another secret may overlap this one.
      find.lastIndex = m.index + 1;
    }
    find.lastIndex = 0;
    return mergeRanges(found);
  }

  return Object.freeze({
    active: true,
    longestMatch,
    redact(text: string): string {
      if (!test.test(text)) return text;
      return replaceRanges(text, ranges(text), SECRET_PLACEHOLDER);
    },
    contains: (text: string) => test.test(text),
    ranges,
  });
}

const EQUALS = 0x3d;

/** Both base64 alphabets: A–Z a–z 0–9 + / - _ */
function isBase64Char(code: number): boolean {
  return (
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    (code >= 0x30 && code <= 0x39) ||
    code === 0x2b ||
    code === 0x2f ||
    code === 0x2d ||
    code === 0x5f
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

// The forms in which a credential value can show up in text that passed through an agent, a URL, a
// JSON document or a base64 blob. Computed once per secret at startup.

/** Values that are too common to be told apart from ordinary data (a port, a year, "admin"). */
const MIN_SECRET_LENGTH = 6;
/** Purely numeric values shorter than this are ignored (ports, PINs, numeric ids collide with real data). */
const MIN_NUMERIC_SECRET_LENGTH = 10;

const DIGITS_ONLY = /^[0-9]+$/;

function isRedactableSecret(value: string): boolean {
  if (value.length < MIN_SECRET_LENGTH) return false;
  return !(DIGITS_ONLY.test(value) && value.length < MIN_NUMERIC_SECRET_LENGTH);
}

export interface SecretForms {
  /** Literal forms: as is, JSON-escaped, percent-encoded. */
  readonly literal: readonly string[];
  /** Stable inner parts of the base64 encodings (standard and url-safe, each byte alignment). */
  readonly base64: readonly string[];
}

export function secretForms(secret: string): SecretForms {
  const literal = new Set<string>([secret]);
  const jsonEscaped = JSON.stringify(secret).slice(1, -1);
  literal.add(jsonEscaped);
  // Python's json.dumps (ensure_ascii) and many loggers escape everything outside ASCII.
  literal.add(
    jsonEscaped.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
  const component = tryEncode(encodeURIComponent, secret);
  if (component !== undefined) {
    literal.add(component);
    // Other encoders use lower-case hex digits or `+` for spaces (application/x-www-form-urlencoded).
    literal.add(component.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()));
    literal.add(component.replaceAll('%20', '+'));
  }
  const uri = tryEncode(encodeURI, secret);
  if (uri !== undefined) literal.add(uri);

  const base64 = new Set<string>();
  const bytes = Buffer.from(secret, 'utf8');
  for (let offset = 0; offset < 3; offset++) {
    const inner = base64InnerPart(bytes, offset);
    if (inner.length === 0) continue;
    base64.add(inner);
    base64.add(inner.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return { literal: [...literal], base64: [...base64] };
}

/**
 * Base64 of a substring depends on where the substring starts relative to the 3-byte groups of the
 * whole encoded text. We encode the secret behind 0, 1 and 2 filler bytes and keep only the characters
 * whose 6 bits all come from the secret: those are the same whatever surrounds it. The one or two
 * characters at each edge that mix secret bits with neighbouring bytes are handled by the redactor,
 * which widens a base64 match by one character on each side.
 */
function base64InnerPart(bytes: Buffer, offset: number): string {
  const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
  const encoded = padded.toString('base64');
  const firstBit = offset * 8;
  const endBit = (offset + bytes.length) * 8;
  const first = Math.ceil(firstBit / 6);
  const end = Math.floor(endBit / 6);
  return end > first ? encoded.slice(first, end) : '';
}

function tryEncode(encode: (value: string) => string, value: string): string | undefined {
  try {
    return encode(value);
  } catch {
    // encodeURIComponent throws on a lone surrogate; such a value has no percent-encoded form.
    return undefined;
  }
}

/** Past this depth a subtree that holds a secret is replaced whole (no deep recursion on hostile data). */
const MAX_DEPTH = 64;

/**
 * Removes held secrets from every string (values and keys) of a JSON-like value, e.g. a tool result's
 * structuredContent. Unlike redacting `JSON.stringify(value)` and parsing it back, this cannot break
 * the document: a text match may start just after a backslash of an escape such as `\n`, and removing
 * it leaves an invalid escape. Returns the input itself when nothing matched, else a copy of the
 * changed paths; the input is never modified.
 */
export function redactSecretsInValue<T>(value: T, redactor: SecretRedactor): T {
  if (!redactor.active) return value;
  return redactValue(value, redactor, 0) as T;
}

function redactValue(value: unknown, redactor: SecretRedactor, depth: number): unknown {
  if (typeof value === 'string') return redactor.contains(value) ? redactor.redact(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return redactor.contains(safeStringify(value)) ? SECRET_PLACEHOLDER : value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = redactValue(value[i], redactor, depth + 1);
      if (item !== value[i]) {
        copy ??= value.slice();
        copy[i] = item;
      }
    }
    return copy ?? value;
  }
  const source = value as Record<string, unknown>;
  let changed = false;
  const entries: Array<[string, unknown]> = [];
  for (const key of Object.keys(source)) {
    const name = redactor.contains(key) ? redactor.redact(key) : key;
    const item = redactValue(source[key], redactor, depth + 1);
    if (name !== key || item !== source[key]) changed = true;
    entries.push([name, item]);
  }
  if (!changed) return value;
  const copy: Record<string, unknown> = {};
  for (const [name, item] of entries) {
    Object.defineProperty(copy, name, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
