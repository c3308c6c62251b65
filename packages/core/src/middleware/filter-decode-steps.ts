import type { DecodeStep } from '../manifest/manifest-types.js';

/** Decoded text larger than this is not produced (reference: 64 KiB). */
export const MAX_DECODED_BYTES = 64 * 1024;
/** Encoded input whose decoding could exceed MAX_DECODED_BYTES is not decoded at all (raw is still matched). */
export const MAX_ENCODED_CHARS = Math.floor((MAX_DECODED_BYTES * 4) / 3);

// The reference decodes with Python's `bytes.decode('utf-8', 'replace')`, which keeps a leading BOM.
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * One decode step applied to a whole value, as the reference does (§5.3): `url` = percent-decoding
 * (Python `unquote`), `base64` = strict standard alphabet (`b64decode(validate=True)`), `urlsafe_base64`
 * = padded to a multiple of 4, then the lenient url-safe decoder. Returns undefined when the step fails
 * or changes nothing.
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

/** Python `base64.b64decode(s, validate=True)`: only the standard alphabet, then binascii's decoder. */
export function strictBase64(text: string): Uint8Array | undefined {
  if (!STRICT_BASE64.test(text)) return undefined;
  return a2bBase64(text);
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
