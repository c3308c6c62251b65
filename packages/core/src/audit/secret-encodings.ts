/**
 * The forms in which a credential value can show up in text that passed through an agent, a URL, a
 * JSON document or a base64 blob. Computed once per secret at startup.
 */

/** Values that are too common to be told apart from ordinary data (a port, a year, "admin"). */
export const MIN_SECRET_LENGTH = 6;
/** Purely numeric values shorter than this are ignored (ports, PINs, numeric ids collide with real data). */
export const MIN_NUMERIC_SECRET_LENGTH = 10;

const DIGITS_ONLY = /^[0-9]+$/;

export function isRedactableSecret(value: string): boolean {
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
