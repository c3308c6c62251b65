import { DEFAULT_MAX_JSON_DEPTH } from './json-depth.js';

export interface CanonicalJsonOptions {
  /** Nesting (objects and arrays) beyond this is refused; default DEFAULT_MAX_JSON_DEPTH (64). */
  readonly maxDepth?: number;
  /**
   * Spaces per nesting level, for people to read (JSON.stringify's layout: one entry per line, `": "`
   * after a key). Default 0: no whitespace at all, the form that is hashed.
   */
  readonly indent?: number;
}

interface Writer {
  readonly maxDepth: number;
  /** '' when compact. */
  readonly indent: string;
  readonly seen: Set<object>;
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
  const writer: Writer = {
    maxDepth: options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH,
    indent: ' '.repeat(Math.max(0, Math.min(options.indent ?? 0, 10))),
    seen: new Set(),
  };
  return write(value, 0, writer);
}

function write(value: unknown, depth: number, writer: Writer): string {
  const { seen, maxDepth } = writer;
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
    if (typeof toJSON === 'function') return write(toJSON.call(object), depth + 1, writer);
    if (object instanceof Map) return writeObject(Object.fromEntries(object), depth, writer);
    if (object instanceof Set) return writeArray([...object], depth, writer);
    if (Array.isArray(object)) return writeArray(object, depth, writer);
    return writeObject(object as Record<string, unknown>, depth, writer);
  } finally {
    seen.delete(object);
  }
}

function writeArray(items: readonly unknown[], depth: number, writer: Writer): string {
  const parts = items.map((item) => (isOmitted(item) ? 'null' : write(item, depth + 1, writer)));
  return enclose('[', parts, ']', depth, writer.indent);
}

function writeObject(record: Record<string, unknown>, depth: number, writer: Writer): string {
  const parts: string[] = [];
  const colon = writer.indent ? ': ' : ':';
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (isOmitted(item)) continue;
    parts.push(`${JSON.stringify(key)}${colon}${write(item, depth + 1, writer)}`);
  }
  return enclose('{', parts, '}', depth, writer.indent);
}

function enclose(
  open: string,
  parts: readonly string[],
  close: string,
  depth: number,
  indent: string,
): string {
  if (!indent || parts.length === 0) return `${open}${parts.join(',')}${close}`;
  const inner = `\n${indent.repeat(depth + 1)}`;
  return `${open}${inner}${parts.join(`,${inner}`)}\n${indent.repeat(depth)}${close}`;
}

function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}
