import { DEFAULT_MAX_JSON_DEPTH } from './json-depth.js';

export interface CanonicalJsonOptions {
  /** Nesting (objects and arrays) beyond this is refused; default DEFAULT_MAX_JSON_DEPTH (64). */
  readonly maxDepth?: number;
}

/**
 * Canonical JSON: JSON.stringify's value rules (`toJSON`, NaN and ±Infinity as null, `undefined`, functions
 * and symbols left out of objects and null in arrays), object keys sorted by code unit, no whitespace. Maps
 * are written as objects, Sets as arrays and bigints as `"<digits>n"`. The same value always gives the same
 * text, whatever order its keys were inserted in, so the text can be hashed.
 *
 * Throws a TypeError on a value it cannot write faithfully (a cycle, or nesting deeper than `maxDepth`)
 * instead of guessing: a hash of a guess could match another value's. The same object twice, not nested
 * in itself, is written twice.
 */
export function canonicalJson(value: unknown, options: CanonicalJsonOptions = {}): string {
  return write(value, 0, new Set(), options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH);
}

function write(value: unknown, depth: number, seen: Set<object>, maxDepth: number): string {
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
  if (depth >= maxDepth) throw new TypeError(`value nests too deeply for canonical JSON (limit ${maxDepth})`);
  const object = value as object;
  if (seen.has(object)) throw new TypeError('value contains a cycle, which canonical JSON cannot write');
  seen.add(object);
  try {
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return write(toJSON.call(object), depth + 1, seen, maxDepth);
    if (object instanceof Map) return writeObject(Object.fromEntries(object), depth, seen, maxDepth);
    if (object instanceof Set) return writeArray([...object], depth, seen, maxDepth);
    if (Array.isArray(object)) return writeArray(object, depth, seen, maxDepth);
    return writeObject(object as Record<string, unknown>, depth, seen, maxDepth);
  } finally {
    seen.delete(object);
  }
}

function writeArray(items: readonly unknown[], depth: number, seen: Set<object>, maxDepth: number): string {
  const parts = items.map((item) => (isOmitted(item) ? 'null' : write(item, depth + 1, seen, maxDepth)));
  return `[${parts.join(',')}]`;
}

function writeObject(
  record: Record<string, unknown>,
  depth: number,
  seen: Set<object>,
  maxDepth: number,
): string {
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (isOmitted(item)) continue;
    parts.push(`${JSON.stringify(key)}:${write(item, depth + 1, seen, maxDepth)}`);
  }
  return `{${parts.join(',')}}`;
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
