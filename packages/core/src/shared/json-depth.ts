/**
 * How deep a JSON value may nest (objects and arrays, the outermost one counted) by default: deep enough
 * for any real tool argument, shallow enough that every recursive walk of the value (zod, JSON Schema
 * validators, `JSON.stringify`, canonical JSON) stays far from the stack's end.
 */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/**
 * Whether `value` nests objects or arrays more than `maxDepth` levels deep (`{}` is one level, `{"a":[]}`
 * two). Walks the value with a stack of its own, never recursion, so a value nested 100,000 levels deep is
 * measured without overflowing the call stack; stops at the first container past the limit. A cycle
 * counts as unbounded nesting.
 */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const containers: object[] = [value];
  const depths: number[] = [1];
  while (containers.length > 0) {
    const container = containers.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return true;
    const items = Array.isArray(container) ? container : Object.values(container);
    for (const item of items) {
      if (typeof item === 'object' && item !== null) {
        containers.push(item);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}
