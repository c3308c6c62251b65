// Walks a zod schema's definition to learn which keys an object at some path accepts, so an unknown key
// can be answered with "did you mean ...". Reads zod's public `_zod.def` structure defensively: anything
// unrecognised simply yields no suggestion.

interface SchemaNode {
  readonly _zod: { readonly def: { readonly type: string; readonly [key: string]: unknown } };
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);
const MAX_DEPTH = 64;

export function knownKeysAt(schema: unknown, path: readonly PropertyKey[]): Set<string> {
  const keys = new Set<string>();
  collect(schema, path, keys, 0);
  return keys;
}

function collect(schema: unknown, path: readonly PropertyKey[], keys: Set<string>, depth: number): void {
  if (!isSchemaNode(schema) || depth > MAX_DEPTH) return;
  const def = schema._zod.def;
  const next = (child: unknown, rest: readonly PropertyKey[]) => collect(child, rest, keys, depth + 1);
  if (WRAPPERS.has(def.type)) {
    next(def.innerType, path);
    return;
  }
  switch (def.type) {
    case 'pipe':
      next(def.in, path);
      next(def.out, path);
      return;
    case 'union':
      if (Array.isArray(def.options)) for (const option of def.options) next(option, path);
      return;
    case 'intersection':
      next(def.left, path);
      next(def.right, path);
      return;
    case 'lazy':
      if (typeof def.getter === 'function') next((def.getter as () => unknown)(), path);
      return;
  }
  if (path.length === 0) {
    if (def.type === 'object' && typeof def.shape === 'object' && def.shape !== null) {
      for (const key of Object.keys(def.shape)) keys.add(key);
    }
    return;
  }
  const [head, ...rest] = path;
  if (
    def.type === 'object' &&
    typeof def.shape === 'object' &&
    def.shape !== null &&
    typeof head === 'string'
  ) {
    if (Object.hasOwn(def.shape, head)) next((def.shape as Record<string, unknown>)[head], rest);
  } else if (def.type === 'record') {
    next(def.valueType, rest);
  } else if (def.type === 'array' && typeof head === 'number') {
    next(def.element, rest);
  }
}

function isSchemaNode(value: unknown): value is SchemaNode {
  if (typeof value !== 'object' || value === null || !('_zod' in value)) return false;
  const zod = (value as { _zod: unknown })._zod;
  if (typeof zod !== 'object' || zod === null || !('def' in zod)) return false;
  const def = (zod as { def: unknown }).def;
  return typeof def === 'object' && def !== null && typeof (def as { type?: unknown }).type === 'string';
}
