import type { ErrorObject, FuncKeywordDefinition } from 'ajv';
import { canonicalJson } from '@scoped-mcp/core';

/**
 * `uniqueItems` in O(n log n): each item is written as canonical JSON (object keys sorted, so two objects
 * equal in JSON Schema's sense give the same text) and looked up in a map. ajv's own check compares every
 * pair of items that are objects or arrays — 40,000 of them cost ~20 s. Same verdict, same message; the
 * item reported is the first that repeats an earlier one.
 */
export const uniqueItemsKeyword: FuncKeywordDefinition = {
  keyword: 'uniqueItems',
  type: 'array',
  schemaType: 'boolean',
  compile: (unique: boolean) => (unique ? uniqueItems() : acceptAll),
};

type DataValidateFunction = ReturnType<NonNullable<FuncKeywordDefinition['compile']>>;

const acceptAll: DataValidateFunction = () => true;
/**
 * Up to this many distinct keys in the whole array, items are written by JSON.stringify with the sorted
 * keys as its property list (the same text as canonicalJson, 3–5× faster); JSON.stringify walks that list
 * for every object, so wider arrays use canonicalJson.
 */
const MAX_KEY_LIST = 256;

function uniqueItems(): DataValidateFunction {
  const check: DataValidateFunction = (data) => {
    const items = data as readonly unknown[];
    const write = canonicalWriter(items);
    const first = new Map<string, number>();
    for (let i = 0; i < items.length; i++) {
      const text = write(items[i]);
      const j = first.get(text);
      if (j !== undefined) {
        check.errors = [duplicate(i, j)];
        return false;
      }
      first.set(text, i);
    }
    return true;
  };
  return check;
}

/** The arguments are parsed JSON: plain objects and arrays, no cycles, nested as deep as the parser let them. */
function canonicalWriter(items: readonly unknown[]): (item: unknown) => string {
  const keys = new Set<string>();
  if (!collectKeys(items, keys)) return (item) => canonicalJson(item, { maxDepth: Number.POSITIVE_INFINITY });
  const order = [...keys].sort();
  return (item) => JSON.stringify(item, order);
}

/** Adds every object key under `value` to `keys`; false as soon as there are more than MAX_KEY_LIST. */
function collectKeys(value: unknown, keys: Set<string>): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (!collectKeys(item, keys)) return false;
    return true;
  }
  for (const key in value) {
    keys.add(key);
    if (keys.size > MAX_KEY_LIST || !collectKeys((value as Record<string, unknown>)[key], keys)) return false;
  }
  return true;
}

function duplicate(i: number, j: number): Partial<ErrorObject> {
  return {
    keyword: 'uniqueItems',
    message: `must NOT have duplicate items (items ## ${j} and ${i} are identical)`,
    params: { i, j },
  };
}
