import {
  type LabelledRange,
  mergeLabelledRanges,
  patternRanges,
  redactPatterns,
  replaceRanges,
} from './patterns.js';
import { createSecretRedactor, SECRET_PLACEHOLDER, type SecretRedactor } from './secrets.js';

/**
 * Argument sanitising for audit lines and HITL summaries.
 *
 * `sanitize` returns a deep copy, the input is never modified:
 * - a value under a sensitive key (isSensitiveKey, below) becomes `'<redacted>'`, whatever its type;
 * - strings, and object keys, lose every known secret (any encoding) and token-shaped part
 *   (patterns.ts), then are cut to `maxStringLength` with `...<truncated N bytes>`;
 * - Buffer / typed arrays / ArrayBuffer → `'<binary N bytes>'`; bigint → string; Date → ISO string;
 *   Map → object; Set → array; URL → its (redacted) text; Error → `{ name, message }`;
 * - functions and symbols are dropped (in arrays they become null, so indices keep their meaning);
 * - a cycle → `'<cycle>'`; a container nested more than `maxDepth` levels deep → `'<depth limit>'`;
 * - objects and arrays keep their first `maxKeys` entries; the rest is counted in a marker
 *   (`'<N more>'` as the last array element, or under the key `'<truncated>'`).
 * It never throws: a value that cannot be read (a throwing getter or proxy) becomes `'<unserializable>'`.
 */
export interface Sanitizer {
  sanitize(value: unknown): unknown;
  /** Token patterns and exact secrets, no truncation (error messages, ops-log fields). */
  redactText(text: string): string;
}

export interface SanitizerOptions {
  /** Credential values this process holds; matched exactly (and encoded), see secrets.ts. */
  secrets?: readonly string[];
  /** Default 500 (the reference's). */
  maxStringLength?: number;
  /** Default 8. */
  maxDepth?: number;
  /** Entries kept per object or array; default 100. */
  maxKeys?: number;
}

export const REDACTED = '<redacted>';
const CYCLE = '<cycle>';
const DEPTH_LIMIT = '<depth limit>';
const UNSERIALIZABLE = '<unserializable>';
const MORE_KEY = '<truncated>';
/** Numbers are only compared with secrets when they could be one: 10 digits or more. */
const SMALLEST_SECRET_NUMBER = 1e9;
const KEY_CACHE_SIZE = 1024;
const KEY_CACHE_MAX_KEY_LENGTH = 128;

interface KeyInfo {
  readonly name: string;
  readonly sensitive: boolean;
}

/** Marks a value to leave out of its parent. */
const DROP: unique symbol = Symbol('drop');

export function createSanitizer(options: SanitizerOptions = {}): Sanitizer {
  const maxStringLength = positiveInteger('maxStringLength', options.maxStringLength ?? 500);
  const maxDepth = positiveInteger('maxDepth', options.maxDepth ?? 8);
  const maxKeys = positiveInteger('maxKeys', options.maxKeys ?? 100);
  const secrets = createSecretRedactor(options.secrets ?? []);
  const { redactText, sanitizeString } = createTextSanitizer(secrets, maxStringLength);

  // Argument names repeat on every call of a tool: classify and redact each name once. Bounded in
  // entries and key length, since an agent chooses the keys of free-form objects; when full it starts over.
  const keyCache = new Map<string, KeyInfo>();
  function keyInfo(key: string): KeyInfo {
    let info = keyCache.get(key);
    if (info === undefined) {
      info = { name: sanitizeString(key), sensitive: isSensitiveKey(key) };
      if (key.length <= KEY_CACHE_MAX_KEY_LENGTH) {
        if (keyCache.size >= KEY_CACHE_SIZE) keyCache.clear();
        keyCache.set(key, info);
      }
    }
    return info;
  }

  function sanitizeNumber(value: number | bigint): number | string {
    if (typeof value === 'number') {
      if (!secrets.active || !(Math.abs(value) >= SMALLEST_SECRET_NUMBER)) return value;
      return secrets.contains(String(value)) ? SECRET_PLACEHOLDER : value;
    }
    const text = value.toString();
    return secrets.active && secrets.contains(text) ? SECRET_PLACEHOLDER : text;
  }

  // `ancestors` holds the containers on the path from the root: a repeated (shared) object that is
  // not its own ancestor is copied again, only a real cycle is cut. At most maxDepth entries long.
  function walk(value: unknown, depth: number, ancestors: object[]): unknown {
    switch (typeof value) {
      case 'string':
        return sanitizeString(value);
      case 'number':
      case 'bigint':
        return sanitizeNumber(value);
      case 'boolean':
      case 'undefined':
        return value;
      case 'function':
      case 'symbol':
        return DROP;
    }
    if (value === null) return null;
    const object = value as object;
    if (ancestors.includes(object)) return CYCLE;
    if (depth >= maxDepth) return DEPTH_LIMIT;
    if (Array.isArray(object)) return walkList(object, depth, ancestors);
    const proto: unknown = Object.getPrototypeOf(object);
    if (proto === Object.prototype || proto === null) return walkEntries(object, depth, ancestors);
    return walkSpecial(object, depth, ancestors);
  }

  function walkList(list: readonly unknown[], depth: number, ancestors: object[]): unknown[] {
    const kept = Math.min(list.length, maxKeys);
    const out: unknown[] = new Array(kept);
    ancestors.push(list);
    for (let i = 0; i < kept; i++) {
      const item = walk(list[i], depth + 1, ancestors);
      out[i] = item === DROP ? null : item;
    }
    ancestors.pop();
    if (list.length > kept) out.push(`<${list.length - kept} more>`);
    return out;
  }

  function walkEntries(object: object, depth: number, ancestors: object[]): Record<string, unknown> {
    const source = object as Record<string, unknown>;
    const keys = Object.keys(source);
    const kept = Math.min(keys.length, maxKeys);
    const out: Record<string, unknown> = {};
    ancestors.push(object);
    for (let i = 0; i < kept; i++) {
      const key = keys[i]!;
      const { name, sensitive } = keyInfo(key);
      const item = sensitive ? REDACTED : walk(source[key], depth + 1, ancestors);
      if (item !== DROP) setEntry(out, name, item);
    }
    ancestors.pop();
    if (keys.length > kept) setEntry(out, MORE_KEY, `<${keys.length - kept} more>`);
    return out;
  }

  function walkSpecial(object: object, depth: number, ancestors: object[]): unknown {
    if (ArrayBuffer.isView(object)) return `<binary ${object.byteLength} bytes>`;
    if (object instanceof ArrayBuffer || object instanceof SharedArrayBuffer) {
      return `<binary ${object.byteLength} bytes>`;
    }
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
    if (object instanceof URL) return sanitizeString(object.href);
    if (object instanceof String || object instanceof Number || object instanceof Boolean) {
      return walk(object.valueOf(), depth, ancestors);
    }
    if (object instanceof Map) {
      const entries: Record<string, unknown> = {};
      for (const [key, item] of object) setEntry(entries, String(key), item);
      return walkEntriesOf(object, entries, depth, ancestors);
    }
    if (object instanceof Set) return walkListOf(object, [...object], depth, ancestors);
    if (object instanceof Error) {
      return walkEntriesOf(object, { name: object.name, message: object.message }, depth, ancestors);
    }
    return walkEntries(object, depth, ancestors);
  }

  // A Map or Set is copied into a plain container first; the original stays on the ancestor path so
  // that a Map containing itself is still seen as a cycle.
  function walkEntriesOf(original: object, copy: object, depth: number, ancestors: object[]): unknown {
    ancestors.push(original);
    const out = walkEntries(copy, depth, ancestors);
    ancestors.pop();
    return out;
  }

  function walkListOf(original: object, copy: unknown[], depth: number, ancestors: object[]): unknown {
    ancestors.push(original);
    const out = walkList(copy, depth, ancestors);
    ancestors.pop();
    return out;
  }

  return {
    sanitize(value: unknown): unknown {
      try {
        const out = walk(value, 0, []);
        return out === DROP ? undefined : out;
      } catch {
        return UNSERIALIZABLE;
      }
    },
    redactText,
  };
}

/** `out[key] = value`, except that a key named `__proto__` becomes an own property, not the prototype. */
function setEntry(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    out[key] = value;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`sanitizer option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * How far past the kept prefix a long string is still scanned. A token or secret that starts inside the
 * kept part but ends after the cut must still be recognised, so its visible start is redacted too.
 */
const SCAN_MARGIN = 8192;

/** No rule matches fewer characters (`hvs.x`), and no secret form is shorter than 6. */
const MIN_REDACTABLE_LENGTH = 5;

interface TextSanitizer {
  redactText(text: string): string;
  sanitizeString(text: string): string;
}

function createTextSanitizer(secrets: SecretRedactor, maxStringLength: number): TextSanitizer {
  const scanLength = maxStringLength + Math.max(SCAN_MARGIN, secrets.longestMatch);

  function redactText(text: string): string {
    if (text.length < MIN_REDACTABLE_LENGTH) return text;
    if (!secrets.active || !secrets.contains(text)) return redactPatterns(text);
    // Rare path: a held secret is in the text. Patterns first would break a secret that contains a
    // token-shaped part (its rest would stay visible); secrets first would break a token that contains
    // a secret. Both are matched on the unmodified text and every character either covers is redacted.
    const ranges: LabelledRange[] = secrets
      .ranges(text)
      .map((range) => ({ start: range.start, end: range.end, label: SECRET_PLACEHOLDER }));
    ranges.push(...patternRanges(text));
    return replaceRanges(text, mergeLabelledRanges(ranges));
  }

  function sanitizeString(text: string): string {
    if (text.length <= maxStringLength) {
      const redacted = redactText(text);
      if (redacted.length <= maxStringLength) return redacted;
      return truncateText(redacted, maxStringLength, Buffer.byteLength(text, 'utf8'));
    }
    // Only the kept prefix and a margin after it are scanned: a multi-megabyte argument costs no more
    // than a few kilobytes, and what lies past the margin is never logged anyway.
    const scanned = text.length > scanLength ? text.slice(0, scanLength) : text;
    return truncateText(redactText(scanned), maxStringLength, Buffer.byteLength(text, 'utf8'));
  }

  return { redactText, sanitizeString };
}

/**
 * Cuts `text` to `maxLength` UTF-16 code units and appends `...<truncated N bytes>`, N being the UTF-8
 * size of the value before any cut (what the reference reports). A cut never splits a surrogate pair:
 * a lone surrogate would become U+FFFD in the log and hide that the text was cut mid-character.
 */
function truncateText(text: string, maxLength: number, originalBytes: number): string {
  let cut = Math.min(maxLength, text.length);
  if (cut > 0 && cut < text.length && isHighSurrogate(text.charCodeAt(cut - 1))) cut--;
  return `${text.slice(0, cut)}...<truncated ${originalBytes} bytes>`;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Keys whose value is never logged, whatever it looks like.
 *
 * The reference list, plus private_key, client_secret, x-api-key, and a few header and config names
 * (proxy-authorization, set-cookie, passphrase, credentials). The suffix rule is the reference's: the
 * key upper-cased ends with _TOKEN, _PASSWORD, ... — so `sort_key` and `primary_key` are redacted too
 * (kept: a false positive costs a log value, a miss costs a credential), while `session_id` is not.
 * Ours: `-` counts as `_` for the suffix rule, so header names like `X-Auth-Token` are covered.
 */
const SENSITIVE_NAMES: ReadonlySet<string> = new Set([
  'authorization',
  'cookie',
  'session',
  'bearer',
  'password',
  'passwd',
  'token',
  'secret',
  'api_key',
  'apikey',
  'access_token',
  'refresh_token',
  'lease_id',
  'accessor',
  'secret_id',
  'role_id',
  'private_key',
  'client_secret',
  'x-api-key',
  'proxy-authorization',
  'set-cookie',
  'passphrase',
  'credentials',
]);

const SENSITIVE_SUFFIX = /_(?:TOKEN|PASSWORD|SECRET|KEY|CREDENTIALS|PWD|PASS|AUTH)$/;

export function isSensitiveKey(key: string): boolean {
  if (SENSITIVE_NAMES.has(key.toLowerCase())) return true;
  return SENSITIVE_SUFFIX.test(key.toUpperCase().replaceAll('-', '_'));
}
