import { isScopeViolation } from '@scoped-mcp/core';
import { describe, expect, it } from 'vitest';
import { httpProxyConfig } from './config.js';
import { requestTarget } from './request-target.js';
import { buildServices, type Service } from './services.js';

function serviceAt(base_url: string): Service {
  const config = httpProxyConfig.parse({ allowed_services: [{ name: 'api', base_url }] });
  return buildServices(config, {}).get('api')!;
}

const api = serviceAt('https://api.example.com/v1/');

describe('requestTarget: what a path may be', () => {
  it.each([
    ['users', 'https://api.example.com/v1/users'],
    ['/users', 'https://api.example.com/v1/users'],
    ['///users', 'https://api.example.com/v1/users'],
    ['', 'https://api.example.com/v1/'],
    ['users/42/repos', 'https://api.example.com/v1/users/42/repos'],
    ['a/./b', 'https://api.example.com/v1/a/b'],
    ['search?q=x y', 'https://api.example.com/v1/search?q=x%20y'],
    ['users/é', 'https://api.example.com/v1/users/%C3%A9'],
    ['https://evil.example/x', 'https://api.example.com/v1/https://evil.example/x'],
    ['//evil.example/x', 'https://api.example.com/v1/evil.example/x'],
    ['@evil.example', 'https://api.example.com/v1/@evil.example'],
    ['a%2e%2eb', 'https://api.example.com/v1/a%2e%2eb'],
    ['..foo', 'https://api.example.com/v1/..foo'],
  ])('%j → %s', (path, expected) => {
    expect(requestTarget(api, path).href).toBe(expected);
  });

  it('keeps the base URL query first, then the path query, then params', () => {
    const tenant = serviceAt('http://lan.example:8080/api?tenant=acme&key=k');
    expect(requestTarget(tenant, 'items?page=2', { q: 'a&b', n: 1.5, all: false }).href).toBe(
      'http://lan.example:8080/api/items?tenant=acme&key=k&page=2&q=a%26b&n=1.5&all=false',
    );
    expect(requestTarget(tenant, 'items', { tenant: 'other' }).search).toBe(
      '?tenant=acme&key=k&tenant=other',
    );
  });

  it('a base URL without a path takes any path', () => {
    expect(requestTarget(serviceAt('https://api.example.com'), 'x/y').href).toBe(
      'https://api.example.com/x/y',
    );
  });
});

describe('requestTarget: refusals', () => {
  it.each([
    ['..', "a '..' segment"],
    ['../v2/admin', "a '..' segment"],
    ['users/../../admin', "a '..' segment"],
    ['users/../me', "a '..' segment"],
    ['%2e%2e/admin', "a '..' segment"],
    ['%2E%2E/admin', "a '..' segment"],
    ['.%2e/admin', "a '..' segment"],
    ['..;/admin', "a '..' segment"],
    ['%2e%2e;x=1/admin', "a '..' segment"],
    ['..%2fadmin', "an encoded '/' or '\\' (%2F, %5C)"],
    ['a%2Fb', "an encoded '/' or '\\' (%2F, %5C)"],
    ['a%5c..%5cb', "an encoded '/' or '\\' (%2F, %5C)"],
    ['\\\\evil.example\\x', "'\\'"],
    ['..\\admin', "'\\'"],
    ['a\tb', 'a control character (tab, newline, …)'],
    ['a\nb', 'a control character (tab, newline, …)'],
    ['a\r\nHost: evil', 'a control character (tab, newline, …)'],
    ['a\u0000', 'a control character (tab, newline, …)'],
    ['a\u0085', 'a control character (tab, newline, …)'],
    ['x#frag', "'#'"],
  ])('%j is refused: it contains %s', (path, why) => {
    let thrown: unknown;
    try {
      requestTarget(api, path);
    } catch (error) {
      thrown = error;
    }
    expect(isScopeViolation(thrown)).toBe(true);
    expect((thrown as Error).message).toBe(`Path refused for service 'api': it contains ${why}`);
  });

  it('a ".." in the query is no path segment', () => {
    expect(requestTarget(api, 'files?name=../x').href).toBe('https://api.example.com/v1/files?name=../x');
  });
});
