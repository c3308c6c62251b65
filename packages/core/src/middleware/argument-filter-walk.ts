/** One string an argument filter looks at, and where it sits. */
export interface InspectedString {
  /** The top-level argument it belongs to. */
  readonly field: string;
  readonly text: string;
  /** `value`: a string leaf; `key`: an object key inside the argument; `name`: the argument's own name. */
  readonly location: 'value' | 'key' | 'name';
}

/**
 * Every string leaf and object key inside one argument, in document order. Iterative, so a deeply
 * nested argument cannot overflow the stack. Only plain objects and arrays are walked (arguments are
 * parsed JSON); numbers, booleans and null are not text.
 */
export function fieldStrings(field: string, value: unknown): InspectedString[] {
  const out: InspectedString[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      out.push({ field, text: current, location: 'value' });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push(current[i]);
    } else if (isPlainObject(current)) {
      const keys = Object.keys(current);
      // Keys are pushed as KeyMarkers so they come out before their own value.
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        stack.push(current[key]);
        stack.push(new KeyMarker(key));
      }
    } else if (current instanceof KeyMarker) {
      out.push({ field, text: current.key, location: 'key' });
    }
  }
  return out;
}

class KeyMarker {
  constructor(readonly key: string) {}
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
