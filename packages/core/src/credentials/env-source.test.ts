import { describe, expect, it } from 'vitest';
import { envCredentialSource } from './env-source.js';

describe('envCredentialSource', () => {
  it('reads own environment entries; an empty value is present', () => {
    const source = envCredentialSource({ NTFY_URL: 'https://ntfy', EMPTY: '' });
    expect(source.kind).toBe('env');
    expect(source.lookup('NTFY_URL')).toBe('https://ntfy');
    expect(source.lookup('EMPTY')).toBe('');
    expect(source.lookup('MISSING')).toBeUndefined();
    expect(source.warnings).toEqual([]);
  });

  it('never resolves inherited properties', () => {
    const source = envCredentialSource({});
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      expect(source.lookup(key)).toBeUndefined();
  });

  it('reads the live process environment object', () => {
    const key = `SMCP_TEST_${process.pid}`;
    process.env[key] = 'v';
    try {
      expect(envCredentialSource(process.env).lookup(key)).toBe('v');
    } finally {
      delete process.env[key];
    }
  });
});
