/**
 * Whether a parsed JSON value would exceed `limit` bytes as JSON text — for HTTP upstreams, whose
 * responses the SDK parses before the proxy sees them (stdio messages are measured on the wire instead).
 * Counts UTF-8 bytes of strings and keys plus punctuation, without serialising; escapes are not counted,
 * so it errs towards accepting. Stops as soon as the limit is passed.
 */
export function exceedsJsonBytes(value: unknown, limit: number): boolean {
  return measure(value, limit, 0) > limit;
}

function measure(value: unknown, limit: number, sofar: number): number {
  if (sofar > limit) return sofar;
  switch (typeof value) {
    case 'string':
      return sofar + Buffer.byteLength(value, 'utf8') + 2;
    case 'number':
    case 'boolean':
      return sofar + 8;
    case 'object': {
      if (value === null) return sofar + 4;
      let size = sofar + 2;
      if (Array.isArray(value)) {
        for (const item of value) {
          size = measure(item, limit, size + 1);
          if (size > limit) return size;
        }
        return size;
      }
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        size = measure((value as Record<string, unknown>)[key], limit, size + key.length + 4);
        if (size > limit) return size;
      }
      return size;
    }
    default:
      return sofar;
  }
}
