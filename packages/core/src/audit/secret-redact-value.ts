import { SECRET_PLACEHOLDER, type SecretRedactor } from './secret-redactor.js';

/** Past this depth a subtree that holds a secret is replaced whole (no deep recursion on hostile data). */
const MAX_DEPTH = 64;

/**
 * Removes held secrets from every string (values and keys) of a JSON-like value, e.g. a tool result's
 * structuredContent. Unlike redacting `JSON.stringify(value)` and parsing it back, this cannot break
 * the document: a text match may start just after a backslash of an escape such as `\n`, and removing
 * it leaves an invalid escape. Returns the input itself when nothing matched, else a copy of the
 * changed paths; the input is never modified.
 */
export function redactSecretsInValue<T>(value: T, redactor: SecretRedactor): T {
  if (!redactor.active) return value;
  return redactValue(value, redactor, 0) as T;
}

function redactValue(value: unknown, redactor: SecretRedactor, depth: number): unknown {
  if (typeof value === 'string') return redactor.contains(value) ? redactor.redact(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return redactor.contains(safeStringify(value)) ? SECRET_PLACEHOLDER : value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = redactValue(value[i], redactor, depth + 1);
      if (item !== value[i]) {
        copy ??= value.slice();
        copy[i] = item;
      }
    }
    return copy ?? value;
  }
  const source = value as Record<string, unknown>;
  let changed = false;
  const entries: Array<[string, unknown]> = [];
  for (const key of Object.keys(source)) {
    const name = redactor.contains(key) ? redactor.redact(key) : key;
    const item = redactValue(source[key], redactor, depth + 1);
    if (name !== key || item !== source[key]) changed = true;
    entries.push([name, item]);
  }
  if (!changed) return value;
  const copy: Record<string, unknown> = {};
  for (const [name, item] of entries) {
    Object.defineProperty(copy, name, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}
