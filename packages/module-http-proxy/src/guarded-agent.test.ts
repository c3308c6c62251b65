import { isScopedMcpError } from '@scoped-mcp/core';
import type { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answer, startWatchedNetwork, type WatchedNetwork } from './__fixtures__/watched-network.js';
import { checkedAddress, guardedAgent, originKey } from './guarded-agent.js';

// The guard between undici and the socket: what it resolves, what it refuses, what it hands on. The
// connector under it records and connects to a watched loopback listener only.

let net: WatchedNetwork;
let agent: Agent;

beforeAll(async () => {
  net = await startWatchedNetwork({
    'public.test': [answer('93.184.216.34')],
    'dual.test': [answer('2606:2800:220:1:248:1893:25c8:1946', '93.184.216.34')],
    'internal.test': [answer('127.0.0.1')],
    'mixed.test': [answer('93.184.216.34', '10.0.0.7')],
    'mixed-late.test': [answer('93.184.216.34', '8.8.8.8', '169.254.169.254')],
    'rebind.test': [answer('93.184.216.34'), answer('127.0.0.1')],
    'empty.test': [[]],
    'lan.test': [answer('192.168.1.20')],
  });
});

afterAll(async () => {
  await net.close();
});

function makeAgent(privateOrigins: string[] = []): Agent {
  agent = guardedAgent({
    privateOrigins: new Set(privateOrigins),
    lookup: net.lookup,
    connect: net.connect,
    connectTimeoutMs: 2000,
  });
  return agent;
}

afterEach(async () => {
  await agent?.destroy();
});

async function get(origin: string): Promise<number> {
  const response = await agent.request({ origin, path: '/', method: 'GET' });
  await response.body.dump();
  return response.statusCode;
}

async function refusal(origin: string): Promise<{ code: string; message: string }> {
  const error = await agent.request({ origin, path: '/', method: 'GET' }).then(
    () => {
      throw new Error(`${origin} was not refused`);
    },
    (thrown: unknown) => thrown,
  );
  if (!isScopedMcpError(error)) throw error;
  return { code: error.code, message: error.message };
}

describe('a name: resolved, every answer checked, the checked address connected to', () => {
  it('a public name is connected by its address, SNI and Host keep the name', async () => {
    makeAgent();
    const before = net.connections;
    expect(await get('https://public.test')).toBe(200);
    expect(net.attempts.at(-1)).toEqual({
      hostname: '93.184.216.34',
      servername: 'public.test',
      port: '',
      protocol: 'https:',
    });
    expect(net.connections).toBe(before + 1);
  });

  it('the first answer is used when all pass, IPv6 too', async () => {
    makeAgent();
    await get('http://dual.test:8080');
    expect(net.attempts.at(-1)).toMatchObject({
      hostname: '2606:2800:220:1:248:1893:25c8:1946',
      port: '8080',
    });
  });

  it.each([
    ['internal.test', '127.0.0.1 (loopback)'],
    ['mixed.test', '10.0.0.7 (private)'],
    ['mixed-late.test', '169.254.169.254 (link-local (cloud metadata))'],
  ])('%s is refused when any answer is blocked, before any connect', async (name, blocked) => {
    makeAgent();
    const attempts = net.attempts.length;
    const connections = net.connections;
    expect(await refusal(`http://${name}`)).toEqual({
      code: 'SMCP_SCOPE_VIOLATION',
      message: `Host '${name}' resolves to a blocked address: ${blocked}`,
    });
    expect(net.attempts.length).toBe(attempts);
    expect(net.connections).toBe(connections);
  });

  it('a name whose answer changes between lookups (rebinding) is refused on the new connection', async () => {
    makeAgent();
    expect(await get('http://rebind.test')).toBe(200);
    expect(net.attempts.at(-1)?.hostname).toBe('93.184.216.34');
    // A new connection (the old one closed) means a new lookup and a new check.
    await agent.destroy();
    makeAgent();
    const attempts = net.attempts.length;
    expect(await refusal('http://rebind.test')).toMatchObject({
      message: "Host 'rebind.test' resolves to a blocked address: 127.0.0.1 (loopback)",
    });
    expect(net.attempts.length).toBe(attempts);
  });

  it('an unknown name and an empty answer are unavailable, not connected', async () => {
    makeAgent();
    expect(await refusal('http://nowhere.test')).toEqual({
      code: 'SMCP_UPSTREAM_UNAVAILABLE',
      message: "Host 'nowhere.test' could not be resolved (ENOTFOUND)",
    });
    expect(await refusal('http://empty.test')).toEqual({
      code: 'SMCP_UPSTREAM_UNAVAILABLE',
      message: "Host 'empty.test' has no address",
    });
  });

  it('loopback and metadata names are refused without asking the resolver', async () => {
    makeAgent();
    const lookups = net.lookups.length;
    expect(await refusal('http://localhost:8080')).toMatchObject({
      message: "Host 'localhost' is a blocked name (loopback name)",
    });
    expect(await refusal('http://metadata.google.internal')).toMatchObject({
      message: "Host 'metadata.google.internal' is a blocked name (cloud metadata name)",
    });
    expect(net.lookups.length).toBe(lookups);
  });
});

describe('a literal address: checked as it is, no resolver', () => {
  it.each([
    ['http://127.0.0.1:9', '127.0.0.1'],
    ['http://10.1.2.3', '10.1.2.3'],
    ['http://169.254.169.254', '169.254.169.254'],
    ['http://[::1]', '::1'],
    ['http://[::ffff:7f00:1]', '::ffff:7f00:1'],
    ['http://[fe80::1]', 'fe80::1'],
    ['http://[64:ff9b::a9fe:a9fe]', '64:ff9b::a9fe:a9fe'],
    ['https://0x7f.1', '127.0.0.1'],
  ])('%s is refused before any connect', async (origin, host) => {
    makeAgent();
    const attempts = net.attempts.length;
    const connections = net.connections;
    const { code, message } = await refusal(origin);
    expect(code).toBe('SMCP_SCOPE_VIOLATION');
    expect(message).toMatch(new RegExp(`^Host '${host.replaceAll('.', '\\.')}' is a blocked address \\(`));
    expect(net.attempts.length).toBe(attempts);
    expect(net.connections).toBe(connections);
  });

  it('a public literal is connected as it is, without SNI', async () => {
    makeAgent();
    await get('https://93.184.216.34');
    expect(net.attempts.at(-1)).toMatchObject({ hostname: '93.184.216.34', servername: undefined });
  });
});

describe('allow_private: per origin', () => {
  it('opens private addresses for that origin only (scheme, host and port), never link-local', async () => {
    makeAgent([originKey('http:', 'lan.test', '8080'), originKey('http:', '127.0.0.1', '')]);
    expect(await get('http://lan.test:8080')).toBe(200);
    expect(net.attempts.at(-1)).toMatchObject({ hostname: '192.168.1.20' });
    expect(await get('http://127.0.0.1')).toBe(200);
    const attempts = net.attempts.length;
    expect(await refusal('http://lan.test:8081')).toMatchObject({ code: 'SMCP_SCOPE_VIOLATION' });
    expect(await refusal('https://lan.test:8080')).toMatchObject({ code: 'SMCP_SCOPE_VIOLATION' });
    expect(await refusal('http://127.0.0.2')).toMatchObject({ code: 'SMCP_SCOPE_VIOLATION' });
    expect(net.attempts.length).toBe(attempts);
  });

  it('still refuses link-local and mapped forms on an allowed origin', async () => {
    await expect(checkedAddress('169.254.169.254', true, net.lookup)).rejects.toThrow('cloud metadata');
    await expect(checkedAddress('::ffff:7f00:1', true, net.lookup)).rejects.toThrow('IPv4-mapped');
    await expect(checkedAddress('fe80::1%eth0', true, net.lookup)).rejects.toThrow('not a plain IP address');
  });
});

describe('originKey', () => {
  it('resolves brackets and default ports', () => {
    expect(originKey('http:', '[::1]', '')).toBe('http://::1:80');
    expect(originKey('http:', '::1', '80')).toBe('http://::1:80');
    expect(originKey('https:', 'a.test', '')).toBe('https://a.test:443');
  });
});
