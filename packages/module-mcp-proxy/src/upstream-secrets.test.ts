import { describe, expect, it } from 'vitest';
import { redactValue, textRedactor, upstreamSecretValues } from './upstream-secrets.js';

describe('upstream secrets', () => {
  const values = upstreamSecretValues(
    {
      env: { API_TOKEN: 'tok-123456', LOG_LEVEL: 'debug', DB_PASSWORD: 'pw-abcdef' },
      headers: { Authorization: 'Bearer bearer-xyz789' },
    },
    { SERVICE_KEY: 'svc-key-999' },
  );

  it('collects credential values, secret-named env values, header values and their bearer tokens', () => {
    expect(values).toEqual(
      expect.arrayContaining([
        'tok-123456',
        'pw-abcdef',
        'Bearer bearer-xyz789',
        'bearer-xyz789',
        'svc-key-999',
      ]),
    );
    expect(values).not.toContain('debug');
  });

  it('redacts them in text and inside JSON values, returning untouched values as they were', () => {
    const redact = textRedactor(values);
    expect(redact('auth Bearer bearer-xyz789 and bearer-xyz789')).toBe(
      'auth <redacted-secret> and <redacted-secret>',
    );
    const clean = { a: ['x', { b: 'y' }] };
    expect(redactValue(clean, redact)).toBe(clean);
    expect(redactValue({ a: ['x', { b: 'key svc-key-999' }] }, redact)).toEqual({
      a: ['x', { b: 'key <redacted-secret>' }],
    });
  });
});
