/**
 * The reference's key sanitising: ':' separates key segments, so a value spliced into one segment
 * (an agent id, a tool pattern) has its ':' turned into '|'; CR, LF and NUL become '_' so a key can never
 * break a log line or a protocol frame.
 */
export function sanitizeKeyPart(value: string): string {
  return value.replace(/:/g, '|').replace(/[\r\n\0]/g, '_');
}

/** For whole keys: segments stay, control characters go. */
export function sanitizeKey(key: string): string {
  return key.replace(/[\r\n\0]/g, '_');
}
