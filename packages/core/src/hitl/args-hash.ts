import { createHash } from 'node:crypto';

/** Hex characters kept from the SHA-256: 128 bits, far beyond any collision an agent could search for. */
export const ARGS_HASH_LENGTH = 32;
export const ARGS_HASH_PATTERN = /^[0-9a-f]{32}$/;

const MAX_DEPTH = 64;

/**
 * Binds an approval to the exact arguments: the first 32 hex characters of the SHA-256 of the canonical
 * JSON of the *parsed* arguments (object keys sorted by code unit, no whitespace). Parsed, so an omitted
 * argument and its explicit default hash the same — the handler sees the same call either way.
 *
 * This is deliberately not the reference's hash (16 hex characters of Python `json.dumps` with its
 * `", "` separators): approval tokens are written and consumed by the same implementation, and are never
 * portable between the Python and TypeScript versions anyway.
 *
 * Throws on a value JSON cannot express faithfully (a cycle, extreme nesting): the caller refuses the call
 * rather than fall back to a shared constant, which would let one approval cover other arguments.
 */
export function argsHash(args: unknown): string {
  return createHash('sha256').update(canonicalJson(args), 'utf8').digest('hex').slice(0, ARGS_HASH_LENGTH);
}

/** Canonical JSON: JSON.stringify's value rules, keys sorted, no whitespace. */
export function canonicalJson(value: unknown): string {
  return write(value, 0, new Set());
}

function write(value: unknown, depth: number, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      // As JSON.stringify: NaN and ±Infinity have no JSON form and become null.
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      return JSON.stringify(`${value}n`);
    case 'object':
      break;
    default:
      // undefined, functions and symbols: JSON.stringify leaves them out (null in arrays); the callers handle that.
      return 'null';
  }
  if (depth >= MAX_DEPTH) throw new TypeError('arguments nest too deeply to hash');
  const object = value as object;
  if (seen.has(object)) throw new TypeError('arguments contain a cycle');
  seen.add(object);
  try {
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return write(toJSON.call(object), depth + 1, seen);
    if (object instanceof Map) return writeObject(Object.fromEntries(object), depth, seen);
    if (object instanceof Set) return writeArray([...object], depth, seen);
    if (Array.isArray(object)) return writeArray(object, depth, seen);
    return writeObject(object as Record<string, unknown>, depth, seen);
  } finally {
    seen.delete(object);
  }
}

function writeArray(items: readonly unknown[], depth: number, seen: Set<object>): string {
  return `[${items.map((item) => (isOmitted(item) ? 'null' : write(item, depth + 1, seen))).join(',')}]`;
}

function writeObject(record: Record<string, unknown>, depth: number, seen: Set<object>): string {
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (isOmitted(item)) continue;
    parts.push(`${JSON.stringify(key)}:${write(item, depth + 1, seen)}`);
  }
  return `{${parts.join(',')}}`;
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
