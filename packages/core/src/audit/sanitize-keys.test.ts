import { describe, expect, it } from 'vitest';
import { isSensitiveKey } from './sanitize-keys.js';

const NAMES = [
  'authorization',
  'cookie',
  'session',
  'bearer',
  'password',
  'passwd',
  'token',
  'secret',
  'api_key',
  'apikey',
  'access_token',
  'refresh_token',
  'lease_id',
  'accessor',
  'secret_id',
  'role_id',
  'private_key',
  'client_secret',
  'x-api-key',
  'proxy-authorization',
  'set-cookie',
  'passphrase',
  'credentials',
];
const SUFFIXES = ['_TOKEN', '_PASSWORD', '_SECRET', '_KEY', '_CREDENTIALS', '_PWD', '_PASS', '_AUTH'];

describe('isSensitiveKey', () => {
  for (const name of NAMES) {
    it(`redacts "${name}" in any case`, () => {
      expect(isSensitiveKey(name)).toBe(true);
      expect(isSensitiveKey(name.toUpperCase())).toBe(true);
      expect(isSensitiveKey(name[0]!.toUpperCase() + name.slice(1))).toBe(true);
    });
  }

  for (const suffix of SUFFIXES) {
    it(`redacts keys ending with ${suffix} in any case`, () => {
      expect(isSensitiveKey(`GITHUB${suffix}`)).toBe(true);
      expect(isSensitiveKey(`smtp${suffix.toLowerCase()}`)).toBe(true);
      expect(isSensitiveKey(`x-service${suffix.replace('_', '-')}`)).toBe(true);
    });

    it(`does not redact ${suffix} without the underscore or in the middle`, () => {
      expect(isSensitiveKey(`github${suffix.slice(1).toLowerCase()}s_count`)).toBe(false);
      expect(isSensitiveKey(`${suffix.slice(1).toLowerCase()}_count`)).toBe(false);
    });
  }

  it('keeps the reference quirk: sort_key and primary_key are redacted', () => {
    expect(isSensitiveKey('sort_key')).toBe(true);
    expect(isSensitiveKey('primary_key')).toBe(true);
  });

  it('does not redact session_id and ordinary argument names', () => {
    for (const key of [
      'session_id',
      'path',
      'content',
      'sql',
      'query',
      'tokens',
      'keys',
      'passing',
      'author',
    ]) {
      expect(isSensitiveKey(key), key).toBe(false);
    }
  });

  it('covers header spellings', () => {
    expect(isSensitiveKey('X-Auth-Token')).toBe(true);
    expect(isSensitiveKey('Authorization')).toBe(true);
    expect(isSensitiveKey('X-API-Key')).toBe(true);
  });
});
