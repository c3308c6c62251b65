import { describe, expect, it } from 'vitest';
import { ModuleConfigError } from '@scoped-mcp/core';
import { checkServiceUrl, isLoopbackHost, joinUrl, secureOrLoopback } from './service-url.js';

describe('secureOrLoopback', () => {
  it('allows https anywhere and http to this machine only', () => {
    expect(secureOrLoopback(new URL('https://ntfy.sh'))).toBe(true);
    expect(secureOrLoopback(new URL('http://127.0.0.1:8080'))).toBe(true);
    expect(secureOrLoopback(new URL('http://[::1]:8080'))).toBe(true);
    expect(secureOrLoopback(new URL('http://localhost'))).toBe(true);
    expect(secureOrLoopback(new URL('http://ntfy.example.org'))).toBe(false);
    expect(secureOrLoopback(new URL('ftp://127.0.0.1'))).toBe(false);
  });
});

describe('checkServiceUrl', () => {
  const rule = { field: 'X_URL', secret: 'the token', plainHttpRemedy: 'set allow_plain_http: true' };

  // Grafana's endpoint tests hold more of the cases, through the module.
  it.each(['https://service.example.com/sub/path/', 'http://127.0.0.2:8086', 'http://[::1]/'])(
    '%s is accepted',
    (url) => {
      expect(checkServiceUrl(url, rule).href).toBe(new URL(url).href);
    },
  );

  it.each([
    [
      'http://service.lan:3000',
      'X_URL uses plain http to a host that is not loopback, which would send the token unencrypted; use https, or set allow_plain_http: true',
    ],
    ['http://10.0.0.5:3000', /plain http/],
    ['http://127.0.0.1.nip.io:3000', /plain http/],
    ['http://[::ffff:7f00:1]:3000', /plain http/],
    ['ftp://service.example.com', 'X_URL must be an http(s) URL'],
    ['file:///etc/passwd', /http\(s\)/],
    [
      'https://user:pw-CANARY@service.example.com',
      'X_URL must not hold a user or password; the token authenticates',
    ],
    ['https://service.example.com/?orgId=2', 'X_URL must not have a query or fragment'],
    ['https://service.example.com/?', /query or fragment/],
    ['https://service.example.com/#', /query or fragment/],
    ['not a url', 'X_URL is not a URL'],
  ])('%s is refused, naming the field and not the value', (url, why) => {
    let error: unknown;
    try {
      checkServiceUrl(url, rule);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ModuleConfigError);
    const message = (error as Error).message;
    if (typeof why === 'string') expect(message).toBe(why);
    else expect(message).toMatch(why);
    expect(message).not.toContain(url);
    expect(message).not.toContain('CANARY');
  });

  it('accepts plain http to another host when the module allows it, and offers no remedy it lacks', () => {
    expect(checkServiceUrl('http://service.lan', { ...rule, allowPlainHttp: true }).hostname).toBe(
      'service.lan',
    );
    expect(() => checkServiceUrl('http://service.lan', { field: 'Y', secret: 'the key' })).toThrow(
      /unencrypted; use https$/,
    );
  });
});

describe('isLoopbackHost', () => {
  it('knows loopback hosts', () => {
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('LOCALHOST')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.example.com')).toBe(false);
  });
});

describe('joinUrl', () => {
  it('joins without doubling slashes', () => {
    expect(joinUrl('https://ntfy.example.org//', 'topic').href).toBe('https://ntfy.example.org/topic');
  });
});
