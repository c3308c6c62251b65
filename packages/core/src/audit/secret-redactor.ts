import { mergeRanges, replaceRanges, type TextRange } from './redaction-ranges.js';
import { isRedactableSecret, secretForms } from './secret-encodings.js';

export const SECRET_PLACEHOLDER = '<redacted-secret>';

/**
 * Exact-value redaction of the credentials this process holds.
 *
 * Each secret is matched as is, JSON-string-escaped (also with non-ASCII as \uXXXX), percent-encoded
 * (encodeURIComponent, lower-case hex, `+` for space, encodeURI) and base64 (standard and url-safe,
 * padded or not, at any byte alignment inside a longer blob — see secret-encodings.ts). A base64 match
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
