import { describe, expect, it } from 'vitest';
import { redactRedisUrl, secretScrubber } from './redact-url.js';

describe('redactRedisUrl', () => {
  it('drops user and password, keeps host, port and db', () => {
    expect(redactRedisUrl('redis://:pw@10.0.0.1:6380/2')).toBe('redis://10.0.0.1:6380/2');
    expect(redactRedisUrl('rediss://user:p%40ss@cache.internal:6379')).toBe('rediss://cache.internal:6379');
    expect(redactRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
  });

  it('never echoes what it cannot parse', () => {
    expect(redactRedisUrl('redis://:pw@[bad')).toBe('(unparseable redis url)');
  });
});

describe('secretScrubber', () => {
  it('removes the password in raw and decoded form, and the whole URL', () => {
    const scrub = secretScrubber('redis://admin:p%40ss-w0rd@host:1');
    expect(scrub('auth p%40ss-w0rd failed; p@ss-w0rd; redis://admin:p%40ss-w0rd@host:1')).toBe(
      'auth *** failed; ***; ***',
    );
    expect(scrub('user admin')).toBe('user ***');
  });

  it('is a no-op for a URL without secrets', () => {
    expect(secretScrubber('redis://127.0.0.1:6379')('connect ECONNREFUSED 127.0.0.1:6379')).toBe(
      'connect ECONNREFUSED 127.0.0.1:6379',
    );
  });
});
