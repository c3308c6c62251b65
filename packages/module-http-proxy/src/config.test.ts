import { formatZodIssues } from '@scoped-mcp/core/runtime';
import { createModuleHarness } from '@scoped-mcp/testing';
import { describe, expect, it } from 'vitest';
import { httpProxyConfig } from './config.js';
import httpProxy from './index.js';

function issues(config: unknown): string[] {
  const parsed = httpProxyConfig.safeParse(config);
  return parsed.success ? [] : formatZodIssues(parsed.error, ['config']);
}

function oneService(entry: Record<string, unknown>): string[] {
  return issues({ allowed_services: [{ name: 'api', ...entry }] });
}

describe('config', () => {
  it('accepts a reference manifest entry (name, base_url, credential_key) and fills the defaults', () => {
    const parsed = httpProxyConfig.parse({
      allowed_services: [
        { name: 'github', base_url: 'https://api.github.com', credential_key: 'GITHUB_TOKEN' },
      ],
    });
    expect(parsed).toEqual({
      allowed_services: [
        {
          name: 'github',
          base_url: 'https://api.github.com',
          credential_key: 'GITHUB_TOKEN',
          allow_private: false,
        },
      ],
      timeout_ms: 15_000,
      max_response_bytes: 4 * 1024 * 1024,
      max_request_bytes: 1024 * 1024,
    });
  });

  it('needs at least one service, each name once', () => {
    expect(issues({ allowed_services: [] })).toEqual([
      "config.allowed_services: http_proxy module requires a non-empty 'allowed_services' list in config",
    ]);
    expect(
      issues({
        allowed_services: [
          { name: 'a', base_url: 'https://a.example' },
          { name: 'a', base_url: 'https://b.example' },
        ],
      }),
    ).toEqual(["config.allowed_services[1].name: service name 'a' is used twice"]);
  });

  it('refuses a base_url that is not http(s), has user info or a fragment — without quoting it', () => {
    const secretish = 'k3y-in-url';
    const cases: [string, string][] = [
      [`ftp://files.example/${secretish}`, 'that is not http or https (ftp:)'],
      [`file:///etc/${secretish}`, 'that is not http or https (file:)'],
      [
        `https://user:${secretish}@api.example`,
        'with user info (user:password@); use credential_key instead',
      ],
      [`https://${secretish}@api.example`, 'with user info (user:password@); use credential_key instead'],
      [`https://api.example/#${secretish}`, 'with a fragment (#)'],
      [`not a url ${secretish}`, 'that is not a URL'],
    ];
    for (const [base_url, why] of cases) {
      const found = oneService({ base_url });
      expect(found).toEqual([`config.allowed_services[0].base_url: Service 'api' has a base_url ${why}`]);
      expect(found.join()).not.toContain(secretish);
    }
  });

  it('headers cannot replace Authorization, Host, Content-Type or framing headers, nor carry CR/LF', () => {
    for (const name of [
      'Authorization',
      'authorization',
      'HOST',
      'Content-Type',
      'Transfer-Encoding',
      'Connection',
    ]) {
      expect(oneService({ base_url: 'https://api.example', headers: { [name]: 'x' } })).toEqual([
        `config.allowed_services[0].headers: Service 'api' cannot set header '${name}': the module sets it (or undici frames the request with it)`,
      ]);
    }
    expect(oneService({ base_url: 'https://api.example', headers: { 'X-A': 'v\r\nHost: evil' } })).toEqual([
      "config.allowed_services[0].headers: Service 'api' has a value for header 'X-A' with characters a header cannot carry (CR, LF, control, non-ASCII)",
    ]);
    expect(oneService({ base_url: 'https://api.example', headers: { 'X A': 'v' } })).toEqual([
      "config.allowed_services[0].headers: Service 'api' has a header name that is not an HTTP token",
    ]);
    expect(oneService({ base_url: 'https://api.example', headers: { Accept: 'application/json' } })).toEqual(
      [],
    );
  });

  it('services on one origin must agree on allow_private', () => {
    expect(
      issues({
        allowed_services: [
          { name: 'lan', base_url: 'http://nas.lan:8080/a', allow_private: true },
          { name: 'lan2', base_url: 'http://nas.lan:8080/b' },
        ],
      }),
    ).toEqual([
      "config.allowed_services[1].allow_private: Service 'lan2' shares its origin with service 'lan' but not its allow_private; set the same on both",
    ]);
  });

  it('refuses unknown keys', () => {
    expect(oneService({ base_url: 'https://api.example', follow_redirects: true })).toHaveLength(1);
  });

  it('refuses a max_request_bytes no message could carry', async () => {
    await expect(
      createModuleHarness(httpProxy, {
        config: { allowed_services: [{ name: 'a', base_url: 'https://a.example' }], max_request_bytes: 2048 },
        limits: { max_message_bytes: 2048 },
      }),
    ).rejects.toThrow('max_request_bytes (2048) must be below limits.max_message_bytes (2048)');
  });
});
