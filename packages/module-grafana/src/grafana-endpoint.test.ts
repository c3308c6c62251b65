import { createModuleHarness } from '@scoped-mcp/testing';
import { describe, expect, it } from 'vitest';
import { grafanaEndpoint } from './grafana-endpoint.js';
import grafana from './index.js';

const open = { allowPlainHttp: false };

describe('the Grafana URL', () => {
  it.each([
    'https://grafana.example.com',
    'https://grafana.example.com/sub/path/',
    'http://127.0.0.1:3000',
    'http://127.9.9.9:3000',
    'http://localhost:3000',
    'http://[::1]:3000/grafana',
    'http://2130706433:3000', // 127.0.0.1 in decimal: the URL parser normalises it
  ])('%s is accepted', (url) => {
    expect(() => grafanaEndpoint(url, 'GRAFANA_URL', open)).not.toThrow();
  });

  it.each([
    ['http://grafana.lan:3000', /plain http/],
    ['http://10.0.0.5:3000', /plain http/],
    ['http://127.0.0.1.nip.io:3000', /plain http/],
    ['http://[::ffff:7f00:1]:3000', /plain http/],
    ['ftp://grafana.example.com', /http\(s\)/],
    ['file:///etc/passwd', /http\(s\)/],
    ['https://user:pw-CANARY@grafana.example.com', /user or password/],
    ['https://grafana.example.com/?orgId=2', /query or fragment/],
    ['https://grafana.example.com/#x', /query or fragment/],
    ['not a url', /not a URL/],
  ])('%s is refused at startup, naming the setting and not the value', (url, why) => {
    let message = '';
    try {
      grafanaEndpoint(url, 'GRAFANA_URL', open);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(why);
    expect(message).toContain('GRAFANA_URL');
    expect(message).not.toContain(url);
    expect(message).not.toContain('CANARY');
  });

  it('plain http to a LAN host is allowed when the operator says so', () => {
    expect(() =>
      grafanaEndpoint('http://grafana.lan:3000', 'GRAFANA_URL', { allowPlainHttp: true }),
    ).not.toThrow();
  });

  it('encodes each path segment and keeps the sub path', () => {
    const endpoint = grafanaEndpoint('https://h.example/grafana/', 'GRAFANA_URL', open);
    expect(endpoint.url(['api', 'datasources', 'name', 'a/b ?#'])).toBe(
      'https://h.example/grafana/api/datasources/name/a%2Fb%20%3F%23',
    );
    expect(endpoint.url(['api', 'search'], { type: 'dash-db', folderUIDs: 'a&b' })).toBe(
      'https://h.example/grafana/api/search?type=dash-db&folderUIDs=a%26b',
    );
  });

  it('config grafana_url overrides the credential, and a refused one stops the module', async () => {
    await expect(
      createModuleHarness(grafana, {
        config: { grafana_url: 'http://grafana.lan' },
        credentials: { GRAFANA_SERVICE_ACCOUNT_TOKEN: 't0ken-value' },
      }),
    ).rejects.toThrow(/config grafana_url uses plain http/);
    await expect(
      createModuleHarness(grafana, { credentials: { GRAFANA_SERVICE_ACCOUNT_TOKEN: 'x' } }),
    ).rejects.toThrow(/GRAFANA_URL/);
  });
});
