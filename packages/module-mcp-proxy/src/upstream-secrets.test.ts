import { describe, expect, it } from 'vitest';
import { upstreamSecretValues } from './upstream-secrets.js';

describe('upstream secrets', () => {
  const values = upstreamSecretValues({
    env: {
      API_TOKEN: 'tok-123456',
      LOG_LEVEL: 'debug',
      NODE_ENV: 'production',
      DB_PASSWORD: 'pw-abcdef',
      GH: 'ghp0123456789abcdefXYZ',
      DATABASE_URL: 'postgres://app:db-pass-991@db.internal/app',
      WORK_DIR: '/srv/agents/data-2024',
    },
    headers: {
      Authorization: 'Bearer bearer-xyz789',
      Accept: 'application/json',
      'X-Trace': 'Id abcdef0123456789abcd',
      'X-From-Source': { credential: 'SOME_KEY', prefix: 'Bearer ' },
    },
    url: 'https://user-name:url-pass-55@example.com/mcp?api_key=query-key-77&page=2',
  });

  it('collects secret-named env values, header values and their bearer tokens, URL credentials', () => {
    expect(values).toEqual(
      expect.arrayContaining([
        'tok-123456',
        'pw-abcdef',
        'Bearer bearer-xyz789',
        'bearer-xyz789',
        'ghp0123456789abcdefXYZ',
        'db-pass-991',
        'abcdef0123456789abcd',
        'user-name',
        'url-pass-55',
        'query-key-77',
      ]),
    );
  });

  it('leaves out ordinary values, and credential-source headers (core redacts those already)', () => {
    for (const plain of ['debug', 'production', 'application/json', '/srv/agents/data-2024', '2']) {
      expect(values).not.toContain(plain);
    }
    expect(values.some((v) => v.includes('SOME_KEY'))).toBe(false);
  });
});
