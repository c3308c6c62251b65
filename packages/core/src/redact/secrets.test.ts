import { describe, expect, it } from 'vitest';
import { createSecretRedactor, redactSecretsInValue, SECRET_PLACEHOLDER } from './secrets.js';

const SECRET = 'Tr0ub4dor&3 "x"/é';

describe('createSecretRedactor', () => {
  it('is inactive without secrets and leaves text untouched', () => {
    const redactor = createSecretRedactor([]);
    expect(redactor.active).toBe(false);
    expect(redactor.redact('anything at all')).toBe('anything at all');
    expect(redactor.contains('anything')).toBe(false);
  });

  it('replaces every plain occurrence', () => {
    const redactor = createSecretRedactor(['hunter2-password']);
    expect(redactor.active).toBe(true);
    expect(redactor.redact('a hunter2-password b hunter2-password')).toBe(
      `a ${SECRET_PLACEHOLDER} b ${SECRET_PLACEHOLDER}`,
    );
    expect(redactor.contains('xxhunter2-passwordxx')).toBe(true);
    expect(redactor.contains('hunter2-passwor')).toBe(false);
  });

  it('treats regex metacharacters in a secret literally', () => {
    const redactor = createSecretRedactor(['a.b*c+d?(e)[f]{g}|h^$\\']);
    expect(redactor.redact('x a.b*c+d?(e)[f]{g}|h^$\\ y')).toBe(`x ${SECRET_PLACEHOLDER} y`);
    expect(redactor.redact('axbbbcdde')).toBe('axbbbcdde');
  });

  it('ignores values shorter than 6 characters and numbers shorter than 10 digits', () => {
    const redactor = createSecretRedactor(['587', 'admin', '123456789', '', 'abc12']);
    expect(redactor.active).toBe(false);
    expect(redactor.redact('smtp port 587 user admin pin 123456789')).toBe(
      'smtp port 587 user admin pin 123456789',
    );
  });

  it('keeps 6-character words and 10-digit numbers', () => {
    const redactor = createSecretRedactor(['s3cret', '1234567890']);
    expect(redactor.redact('s3cret 1234567890 123456789')).toBe(
      `${SECRET_PLACEHOLDER} ${SECRET_PLACEHOLDER} 123456789`,
    );
  });

  it('matches the JSON-string-escaped form', () => {
    const redactor = createSecretRedactor([SECRET]);
    const json = JSON.stringify({ body: `pw=${SECRET};` });
    expect(json).not.toContain(SECRET);
    expect(redactor.redact(json)).toBe(`{"body":"pw=${SECRET_PLACEHOLDER};"}`);
  });

  it('matches the ASCII-only JSON form (\\u escapes, as Python json.dumps writes it)', () => {
    const redactor = createSecretRedactor([SECRET]);
    const ascii = JSON.stringify(SECRET)
      .slice(1, -1)
      .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    expect(ascii).toContain('\\u00e9');
    expect(redactor.redact(`"${ascii}"`)).toBe(`"${SECRET_PLACEHOLDER}"`);
  });

  it('matches percent-encoded forms (upper and lower hex, + for space, encodeURI)', () => {
    const redactor = createSecretRedactor([SECRET]);
    const component = encodeURIComponent(SECRET);
    const forms = [
      component,
      component.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
      component.replaceAll('%20', '+'),
      encodeURI(SECRET),
    ];
    for (const form of forms) {
      expect(redactor.redact(`https://h/cb?pw=${form}&next=1`)).toBe(
        `https://h/cb?pw=${SECRET_PLACEHOLDER}&next=1`,
      );
    }
  });

  it('matches base64 (standard and url-safe, padded or not) at every byte alignment', () => {
    const secret = 'correct-horse-battery~staple?';
    const redactor = createSecretRedactor([secret]);
    for (let before = 0; before <= 5; before++) {
      for (let after = 0; after <= 5; after++) {
        const prefix = Buffer.from('PQRSTU'.slice(0, before));
        const suffix = Buffer.from('vwxyz!'.slice(0, after));
        const bytes = Buffer.concat([prefix, Buffer.from(secret), suffix]);
        for (const encoding of ['base64', 'base64url'] as const) {
          const encoded = bytes.toString(encoding);
          for (const blob of [encoded, encoded.replace(/=+$/, '')]) {
            const out = redactor.redact(`data:${blob};`);
            expect(out, `${encoding} ${before}/${after}`).toContain(SECRET_PLACEHOLDER);
            assertNoSecretBits(out, blob, before, secret.length);
          }
        }
      }
    }
  });

  it('redacts a secret within a longer base64 blob and keeps the unrelated parts', () => {
    const redactor = createSecretRedactor(['hunter2-password']);
    const blob = Buffer.from(`${'A'.repeat(30)}hunter2-password${'B'.repeat(30)}`).toString('base64');
    const out = redactor.redact(blob);
    expect(out.startsWith(blob.slice(0, 36))).toBe(true);
    expect(out.endsWith(blob.slice(-36))).toBe(true);
  });

  it('redacts overlapping and nested secrets completely', () => {
    const redactor = createSecretRedactor(['abcdef1234', 'ef1234wxyz', 'abcdef']);
    expect(redactor.redact('>abcdef1234wxyz<')).toBe(`>${SECRET_PLACEHOLDER}<`);
    expect(redactor.redact('>abcdef<')).toBe(`>${SECRET_PLACEHOLDER}<`);
  });

  it('prefers the longest secret when one is a prefix of another', () => {
    const redactor = createSecretRedactor(['token-value', 'token-value-extended']);
    expect(redactor.redact('[token-value-extended]')).toBe(`[${SECRET_PLACEHOLDER}]`);
  });

  it('handles a secret with a lone surrogate (no percent-encoded form exists)', () => {
    const secret = `abc\ud800defgh`;
    const redactor = createSecretRedactor([secret]);
    expect(redactor.redact(`x${secret}y`)).toBe(`x${SECRET_PLACEHOLDER}y`);
    expect(redactor.redact(JSON.stringify(secret))).toBe(`"${SECRET_PLACEHOLDER}"`);
  });

  it('reports an upper bound for the length of a match', () => {
    const redactor = createSecretRedactor(['é'.repeat(10)]);
    // encodeURIComponent: 6 characters per "é".
    expect(redactor.longestMatch).toBeGreaterThanOrEqual(60);
  });

  it('returns merged ranges', () => {
    const redactor = createSecretRedactor(['abcdef1234', 'ef1234wxyz']);
    expect(redactor.ranges('..abcdef1234wxyz..abcdef1234')).toEqual([
      { start: 2, end: 16 },
      { start: 18, end: 28 },
    ]);
  });
});

/**
 * `out` = visible prefix of `blob` + placeholder + visible suffix. No visible base64 character may carry
 * a bit of the secret, which spans bits [8*before, 8*(before+length)) of the decoded data.
 */
function assertNoSecretBits(out: string, blob: string, before: number, length: number): void {
  const inner = out.slice('data:'.length, -1);
  const at = inner.indexOf(SECRET_PLACEHOLDER);
  const visiblePrefix = inner.slice(0, at);
  const visibleSuffix = inner.slice(at + SECRET_PLACEHOLDER.length);
  expect(blob.startsWith(visiblePrefix)).toBe(true);
  expect(blob.endsWith(visibleSuffix)).toBe(true);
  const dataChars = blob.replace(/=+$/, '').length;
  const suffixDataChars = visibleSuffix.replace(/=+$/, '').length;
  // Visible leading characters end at or before the first secret bit.
  expect(visiblePrefix.length * 6).toBeLessThanOrEqual(before * 8);
  // Visible trailing characters start at or after the last secret bit.
  expect((dataChars - suffixDataChars) * 6).toBeGreaterThanOrEqual((before + length) * 8);
}

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
