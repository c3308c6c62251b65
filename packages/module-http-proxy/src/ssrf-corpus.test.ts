import { readErrorMeta } from '@scoped-mcp/core';
import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer, startWatchedNetwork, type WatchedNetwork } from './__fixtures__/watched-network.js';
import { createHttpProxyModule } from './index.js';

// The SSRF corpus, through the tools as an agent calls them. The module runs with a test resolver and a
// socket connector that records every connect the guard allows and sends it to one watched loopback
// listener, never to the address itself. Each attack must be refused with nothing recorded and no
// connection or byte on the listener; the controls prove the watch sees a request that is let through.

const DNS = {
  'public.test': [answer('93.184.216.34')],
  'internal.test': [answer('127.0.0.1')],
  'loopback-other.test': [answer('127.8.9.10')],
  'ten.test': [answer('10.0.0.5')],
  'one-seven-two.test': [answer('172.20.1.1')],
  'one-nine-two.test': [answer('192.168.1.1')],
  'cgnat.test': [answer('100.64.0.1')],
  'metadata.test': [answer('169.254.169.254')],
  'alibaba-metadata.test': [answer('100.100.100.200')],
  'zero.test': [answer('0.0.0.0')],
  'broadcast.test': [answer('255.255.255.255')],
  'multicast.test': [answer('224.0.0.251')],
  'benchmark.test': [answer('198.18.0.1')],
  'reserved.test': [answer('240.0.0.1')],
  'v6-loopback.test': [answer('::1')],
  'v6-mapped.test': [answer('::ffff:127.0.0.1')],
  'v6-mapped-hex.test': [answer('::ffff:a9fe:a9fe')],
  'v6-compatible.test': [answer('::7f00:1')],
  'nat64.test': [answer('64:ff9b::a9fe:a9fe')],
  'ula.test': [answer('fd00::1')],
  'aws-v6-metadata.test': [answer('fd00:ec2::254')],
  'v6-link-local.test': [answer('fe80::1')],
  'zone.test': [answer('fe80::1%eth0')],
  'six-to-four.test': [answer('2002:a00:1::1')],
  'teredo.test': [answer('2001:0:4136:e378:8000:63bf:3fff:fdd2')],
  'v6-multicast.test': [answer('ff02::1')],
  'octal-answer.test': [answer('0177.0.0.1')],
  'mixed.test': [answer('93.184.216.34', '10.0.0.1')],
  'last-bad.test': [answer('93.184.216.34', '1.1.1.1', '192.168.0.1')],
  'rebind.test': [answer('93.184.216.34'), answer('127.0.0.1')],
  'rebind-v6.test': [answer('2606:4700::6810:1'), answer('::ffff:169.254.169.254')],
} as const;

/** Names whose answer is blocked from the first lookup: one service each, refused at connect time. */
const BLOCKED_BY_ANSWER = Object.keys(DNS).filter(
  (name) => !['public.test', 'rebind.test', 'rebind-v6.test'].includes(name),
);

/** base_url hosts refused at startup: literal addresses in every notation, blocked names, URL tricks. */
const BLOCKED_BASE_URLS = [
  'http://127.0.0.1/',
  'http://127.1/',
  'http://2130706433/',
  'http://0177.0.0.1/',
  'http://0x7f.0.0.1/',
  'http://0x7f000001/',
  'http://017700000001/',
  'http://%31%32%37.0.0.1/',
  'http://10.0.0.1/',
  'http://172.16.0.1/',
  'http://192.168.0.1/',
  'http://100.64.0.1/',
  'http://169.254.169.254/latest/meta-data/',
  'http://0xa9.0xfea9fe/',
  'http://2852039166/',
  'http://0.0.0.0/',
  'http://0/',
  'http://224.0.0.1/',
  'http://255.255.255.255/',
  'http://198.18.0.1/',
  'http://240.0.0.1/',
  'http://192.0.2.1/',
  'http://[::1]/',
  'http://[::]/',
  'http://[::ffff:127.0.0.1]/',
  'http://[::ffff:7f00:1]/',
  'http://[0:0:0:0:0:ffff:7f00:1]/',
  'http://[::127.0.0.1]/',
  'http://[64:ff9b::7f00:1]/',
  'http://[fe80::1]/',
  'http://[fe80::1%25eth0]/',
  'http://[fc00::1]/',
  'http://[fd00:ec2::254]/',
  'http://[2002:7f00:1::1]/',
  'http://[2001::1]/',
  'http://[2001:db8::1]/',
  'http://[ff02::1]/',
  'http://localhost/',
  'http://LOCALHOST./',
  'http://api.localhost/',
  'http://ｌｏｃａｌｈｏｓｔ/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://metadata.google.internal./',
  'http://user@127.0.0.1/',
  'http://public.test@127.0.0.1/',
  'http://public.test:80@169.254.169.254/',
  'http://127.0.0.1#@public.test/',
  'gopher://public.test/',
  'file:///etc/passwd',
];

/** Paths for the public service that are refused before anything is sent. */
const REFUSED_PATHS = [
  '..',
  '../admin',
  'x/../../admin',
  '%2e%2e/admin',
  '.%2E/admin',
  '%2e./admin',
  '..;/admin',
  '..%2fadmin',
  '%2F%2F127.0.0.1/x',
  '\\\\127.0.0.1\\x',
  '/\\127.0.0.1/x',
  'a%5c..%5cadmin',
  'a\tb',
  'x\r\nHost: 127.0.0.1',
  'x HTTP/1.1\r\nHost: internal.test\r\n\r\nGET /',
  'a\u0000b',
  'x#@127.0.0.1/',
];

/** Paths that look like they name another host but stay on the service's own: they must reach only it. */
const CONTAINED_PATHS = [
  '//127.0.0.1/x',
  'http://127.0.0.1/',
  'https://169.254.169.254/latest',
  '@127.0.0.1',
  ':80@127.0.0.1/x',
  '%40127.0.0.1',
  '?@127.0.0.1',
  '.../x',
];

/** Where the loopback service redirects: none is followed. */
const REDIRECT_TARGETS = [
  'http://169.254.169.254/latest/meta-data/',
  'http://internal.test/',
  'http://10.0.0.1/admin',
  'http://[::1]/',
  'http://metadata.google.internal/',
  '/api/elsewhere',
];

let net: WatchedNetwork;
let h: ModuleHarness;
let module: ReturnType<typeof createHttpProxyModule>;

const serviceName = (host: string) => host.replace(/\.test$/, '');

beforeAll(async () => {
  net = await startWatchedNetwork(DNS);
  module = createHttpProxyModule({ lookup: net.lookup, connect: net.connect });
  h = await createModuleHarness(module, {
    config: {
      allowed_services: [
        { name: 'public', base_url: 'http://public.test/api' },
        { name: 'rebind', base_url: 'http://rebind.test' },
        { name: 'rebind-v6', base_url: 'http://rebind-v6.test' },
        { name: 'loop', base_url: `http://127.0.0.1:${net.port}/api`, allow_private: true },
        ...BLOCKED_BY_ANSWER.map((host) => ({ name: serviceName(host), base_url: `http://${host}/` })),
      ],
      timeout_ms: 5000,
    },
  });
});

afterAll(async () => {
  await h?.close();
  await net?.close();
});

/** Runs `attack` and checks that nothing was connected, sent or received on the way. */
async function nothingReached(attack: () => Promise<void>): Promise<void> {
  const before = { attempts: net.attempts.length, connections: net.connections, bytes: net.bytes };
  await attack();
  expect({ attempts: net.attempts.length, connections: net.connections, bytes: net.bytes }).toEqual(before);
}

async function refusedCall(tool: string, args: Record<string, unknown>): Promise<string> {
  let text = '';
  await nothingReached(async () => {
    const result = await h.call(tool, args);
    expect(result.isError).toBe(true);
    expect(readErrorMeta(result.raw)?.code).toBe('SMCP_SCOPE_VIOLATION');
    text = result.text;
  });
  return text;
}

it('the corpus holds more than 60 attacks', () => {
  const attacks =
    BLOCKED_BY_ANSWER.length + BLOCKED_BASE_URLS.length + REFUSED_PATHS.length + REDIRECT_TARGETS.length + 4;
  expect(attacks).toBeGreaterThanOrEqual(60);
});

describe('control: the watch sees what is let through', () => {
  it('a public name is connected by its checked address, with its name as Host', async () => {
    const before = net.attempts.length;
    const result = await h.call('get', { service: 'public', path: 'ok' });
    expect(result.json()).toEqual({ ok: true });
    expect(net.attempts.slice(before)).toEqual([
      { hostname: '93.184.216.34', servername: 'public.test', port: '', protocol: 'http:' },
    ]);
    expect(net.requests.at(-1)).toEqual({ host: 'public.test', url: '/api/ok' });
  });
});

describe('names whose resolved addresses are blocked', () => {
  it.each(BLOCKED_BY_ANSWER)('%s', async (host) => {
    const text = await refusedCall('get', { service: serviceName(host), path: 'x' });
    expect(text).toMatch(
      new RegExp(`^Host '${host.replaceAll('.', '\\.')}' resolves to a blocked address: `),
    );
  });

  it.each(['rebind', 'rebind-v6'])(
    '%s: allowed on the first lookup, refused when the answer changes',
    async (name) => {
      expect((await h.call('get', { service: name, path: '' })).isError).toBe(false);
      const text = await refusedCall('get', { service: name, path: '' });
      expect(text).toMatch(/resolves to a blocked address: (127\.0\.0\.1|::ffff:169\.254\.169\.254)/);
    },
  );
});

describe('base_url hosts refused at startup', () => {
  it.each(BLOCKED_BASE_URLS)('%s', async (base_url) => {
    await nothingReached(async () => {
      const parsed = module.config.safeParse({ allowed_services: [{ name: 'target', base_url }] });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(
        /^Service 'target' has (a blocked base_url|a base_url)/,
      );
      await expect(
        createModuleHarness(module, { config: { allowed_services: [{ name: 'target', base_url }] } }),
      ).rejects.toThrow("Service 'target'");
    });
  });
});

describe('paths', () => {
  it.each(REFUSED_PATHS)('%j is refused', async (path) => {
    expect(await refusedCall('get', { service: 'public', path })).toMatch(
      /^Path refused for service 'public': /,
    );
  });

  it.each(CONTAINED_PATHS)('%j reaches the service itself and nothing else', async (path) => {
    const before = net.attempts.length;
    await h.call('get', { service: 'public', path });
    expect(net.attempts.slice(before).map((a) => a.hostname)).toEqual(['93.184.216.34']);
    expect(net.requests.at(-1)?.host).toBe('public.test');
    expect(net.requests.at(-1)?.url.startsWith('/api/')).toBe(true);
  });

  it('params cannot change the host either', async () => {
    const before = net.attempts.length;
    await h.call('get', {
      service: 'public',
      path: 'x',
      params: { '@127.0.0.1': '//169.254.169.254', '#': '\r\n' },
    });
    expect(net.attempts.slice(before).map((a) => a.hostname)).toEqual(['93.184.216.34']);
    expect(net.requests.at(-1)?.url).toBe('/api/x?%40127.0.0.1=%2F%2F169.254.169.254&%23=%0D%0A');
  });
});

describe('services the agent may not name', () => {
  it.each(['internal.test', '127.0.0.1', '../public', 'PUBLIC', 'public '])('%j', async (service) => {
    expect(await refusedCall('get', { service, path: '' })).toMatch(/is not in the allowed_services list/);
  });
});

describe('redirects from an allowed loopback service', () => {
  it.each(REDIRECT_TARGETS)('to %s: not followed, only the service itself was reached', async (to) => {
    const before = { attempts: net.attempts.length, requests: net.requests.length };
    const result = await h.call('get', { service: 'loop', path: 'redirect', params: { to } });
    expect(readErrorMeta(result.raw)?.code).toBe('SMCP_UPSTREAM_ERROR');
    expect(result.text).toBe("Service 'loop' answered HTTP 302, a redirect; redirects are not followed");
    expect(net.attempts.slice(before.attempts).map((a) => a.hostname)).toEqual(['127.0.0.1']);
    expect(net.requests.slice(before.requests)).toEqual([
      {
        host: `127.0.0.1:${net.port}`,
        url: `/api/redirect?to=${encodeURIComponent(to).replaceAll('%20', '+')}`,
      },
    ]);
  });
});
