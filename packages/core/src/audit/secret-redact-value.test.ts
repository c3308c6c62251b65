import { describe, expect, it } from 'vitest';
import { redactSecretsInValue } from './secret-redact-value.js';
import { createSecretRedactor, SECRET_PLACEHOLDER } from './secret-redactor.js';

const redactor = createSecretRedactor(['nabcdef', 'hunter2-password']);

describe('redactSecretsInValue', () => {
  it('returns the same object when no secret is present', () => {
    const value = { a: ['x', { b: 'y' }], n: 1 };
    expect(redactSecretsInValue(value, redactor)).toBe(value);
    expect(redactSecretsInValue(value, createSecretRedactor([]))).toBe(value);
  });

  it('redacts strings and keys at any depth and leaves the input untouched', () => {
    const value = { rows: [{ pw: 'is hunter2-password' }, 'ok'], 'hunter2-password': true };
    const before = JSON.stringify(value);
    const out = redactSecretsInValue(value, redactor);
    expect(out).toEqual({ rows: [{ pw: `is ${SECRET_PLACEHOLDER}` }, 'ok'], [SECRET_PLACEHOLDER]: true });
    expect(JSON.stringify(value)).toBe(before);
    expect(out.rows[1]).toBe('ok');
  });

  it('does not produce broken JSON where text-level redaction of the JSON text would', () => {
    const value = { text: 'x\nabcdef' }; // JSON text: "x\nabcdef" contains "nabcdef" after a backslash
    const json = JSON.stringify(value);
    expect(() => JSON.parse(redactor.redact(json))).toThrow();
    expect(redactSecretsInValue(value, redactor)).toBe(value);
  });

  it('replaces a too-deep subtree that holds a secret, and a __proto__ key stays data', () => {
    let deep: unknown = 'hunter2-password';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(JSON.stringify(redactSecretsInValue(deep, redactor))).not.toContain('hunter2');
    const proto = JSON.parse('{"__proto__": {"x": "hunter2-password"}}') as object;
    const out = redactSecretsInValue(proto, redactor) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
  });
});
