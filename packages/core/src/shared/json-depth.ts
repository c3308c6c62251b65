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
  // Pairs of (container, its depth) on one flat stack: no array per container, no recursion.
  const stack: unknown[] = [value, 1];
  while (stack.length > 0) {
    const depth = stack.pop() as number;
    const container = stack.pop() as object;
    if (depth > maxDepth) return true;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i++) {
        const item: unknown = container[i];
        if (typeof item === 'object' && item !== null) stack.push(item, depth + 1);
      }
    } else {
      for (const key in container) {
        const item: unknown = (container as Record<string, unknown>)[key];
        if (typeof item === 'object' && item !== null) stack.push(item, depth + 1);
      }
    }
  }
  return false;
}
