import { readErrorMeta } from '@scoped-mcp/core';
import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type FakeHomeserver,
  type FakeRoom,
  type HomeserverBehaviour,
  startFakeHomeserver,
} from './__fixtures__/fake-homeserver.js';
import matrix from './index.js';

// matrix-js-sdk binds the console's methods when it is first imported (in the first module setup below):
// spies installed before that see everything it logs. The console is stdout, the MCP protocol's.
const consoleSpies = (['log', 'info', 'debug', 'trace', 'warn', 'error'] as const).map((method) =>
  vi.spyOn(console, method),
);

const TOKEN = 'syt_right_token';
const ROOMS: FakeRoom[] = [
  { id: '!ops:example.org', aliases: ['#ops:example.org', '#ops-other:example.org'] },
  { id: '!dev:example.org' },
  { id: '!secret:example.org', encrypted: true, aliases: ['#secret:example.org'] },
  { id: '!left:example.org', joined: false },
  { id: '!other-agent:example.org', aliases: ['#other:example.org'] },
];

let hs: FakeHomeserver;
const harnesses: ModuleHarness[] = [];

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
  await hs?.close();
});

async function agent(
  allowed: string[] = ['#ops:example.org', '!dev:example.org', '!secret:example.org', '!left:example.org'],
  options: { token?: string; timeout_ms?: number; homeserver?: string } = {},
): Promise<ModuleHarness> {
  const h = await createModuleHarness(matrix, {
    config: { allowed_rooms: allowed, timeout_ms: options.timeout_ms ?? 3000 },
    credentials: {
      MATRIX_HOMESERVER: options.homeserver ?? hs.url,
      MATRIX_ACCESS_TOKEN: options.token ?? TOKEN,
    },
  });
  harnesses.push(h);
  return h;
}

const sends = () => hs.sent.map((e) => ({ roomId: e.roomId, body: e.content.body }));

describe('matrix_send', () => {
  it('sends an m.text event to an allowed room id and answers true', async () => {
    hs = await startFakeHomeserver({ token: TOKEN, rooms: ROOMS });
    const h = await agent();
    expect(h.toolNames).toEqual(['matrix_send']);
    const r = await h.call('send', { room: '!dev:example.org', message: 'build green' });
    expect(r.isError).toBe(false);
    expect(r.text).toBe('true');
    expect(hs.sent).toEqual([
      {
        roomId: '!dev:example.org',
        txnId: expect.stringMatching(/^smcp-[0-9a-f]{32}$/),
        content: { msgtype: 'm.text', body: 'build green' },
      },
    ]);
  });

  it('an allowed alias is resolved once at start; the agent may name the room by alias or by its id', async () => {
    hs = await startFakeHomeserver({ token: TOKEN, rooms: ROOMS });
    const h = await agent();
    const lookups = () => hs.requests.filter((r) => r.path.includes('/directory/room/'));
    expect(lookups()).toHaveLength(1);
    expect((await h.call('send', { room: '#ops:example.org', message: 'a' })).isError).toBe(false);
    expect((await h.call('send', { room: '!ops:example.org', message: 'b' })).isError).toBe(false);
    expect(lookups()).toHaveLength(1);
    expect(sends()).toEqual([
      { roomId: '!ops:example.org', body: 'a' },
      { roomId: '!ops:example.org', body: 'b' },
    ]);
  });

  it('a fresh transaction id per message: the same text twice is two events', async () => {
    hs = await startFakeHomeserver({ token: TOKEN, rooms: ROOMS });
    const h = await agent();
    await h.call('send', { room: '!dev:example.org', message: 'same' });
    await h.call('send', { room: '!dev:example.org', message: 'same' });
    expect(hs.sent).toHaveLength(2);
    expect(hs.sent[0]?.txnId).not.toBe(hs.sent[1]?.txnId);
  });

  it('logs nothing to the console, which is stdout (the SDK logs every request unless given a logger)', async () => {
    hs = await startFakeHomeserver({ token: TOKEN, rooms: ROOMS });
    for (const spy of consoleSpies) spy.mockClear();
    const write = vi.spyOn(process.stdout, 'write');
    try {
      const h = await agent();
      await h.call('send', { room: '!dev:example.org', message: 'quiet' });
      await h.call('send', { room: '!left:example.org', message: 'refused' });
      await h.call('send', { room: '!secret:example.org', message: 'encrypted' });
      expect(write).not.toHaveBeenCalled();
      expect(consoleSpies.flatMap((spy) => spy.mock.calls)).toEqual([]);
    } finally {
      write.mockRestore();
    }
  });
});

describe('matrix room allowlist (nothing reaches the homeserver for a refused room)', () => {
  it.each([
    ['a room not listed', '!other-agent:example.org'],
    ['an alias not listed, even of an allowed room', '#ops-other:example.org'],
    ['an alias not listed, of another room', '#other:example.org'],
    ['a different case', '!DEV:example.org'],
    ['trailing space', '!dev:example.org '],
    ['another server', '!dev:example.org.evil'],
    ['a prefix', '!dev:example'],
    ['an encoded form', '%21dev%3Aexample.org'],
    ['a path', '!dev:example.org/../../other-agent:example.org'],
    ['an empty name', ''],
  ])('refuses %s (%j) with the reference message', async (_label, room) => {
    hs = await startFakeHomeserver({ token: TOKEN, rooms: ROOMS });
    const h = await agent();
    const before = hs.requests.length;
    const r = await h.call('send', { room, message: 'x' });
    expect(r.isError).toBe(true);
    expect(r.text).toBe(`Room '${room}' is not in the allowed_rooms list`);
    expect(readErrorMeta(r.raw)?.code).toBe('SMCP_SCOPE_VIOLATION');
    expect(hs.requests.length).toBe(before);
    expect(hs.sent).toEqual([]);
  });

  it('an alias that does not resolve stops the module at start, naming it', async () => {
    hs = await startFakeHomeserver({ token: TOKEN, rooms: ROOMS });
    await expect(agent(['#missing:example.org'])).rejects.toThrow(
      "allowed_rooms: alias '#missing:example.org' could not be resolved (Matrix refused the message (HTTP 404: M_NOT_FOUND))",
    );
  });

  it.each([[['ops']], [['!no-server']], [[]], [['#a:b', 'room with space:x']]])(
    'refuses allowed_rooms %j in the config',
    async (allowed) => {
      hs = await startFakeHomeserver({ token: TOKEN, rooms: ROOMS });
      await expect(agent(allowed)).rejects.toThrow(/config\.allowed_rooms/);
    },
  );
});

describe('matrix encrypted rooms', () => {
  it('refuses an encrypted room with a clear error, and sends nothing', async () => {
    hs = await startFakeHomeserver({ token: TOKEN, rooms: ROOMS });
    const h = await agent();
    const r = await h.call('send', { room: '!secret:example.org', message: 'plaintext' });
    expect(r.isError).toBe(true);
    expect(r.text).toBe(
      "Room '!secret:example.org' is end-to-end encrypted; this module sends to unencrypted rooms only, so nothing was sent",
    );
    expect(hs.sent).toEqual([]);
    // Encryption cannot be turned off: the room stays refused without asking again.
    const asked = hs.requests.length;
    expect((await h.call('send', { room: '!secret:example.org', message: 'again' })).isError).toBe(true);
    expect(hs.requests.length).toBe(asked);
  });
});

describe('matrix errors, without the homeserver URL or the token', () => {
  it('a room the account has left: the homeserver’s 403 M_FORBIDDEN', async () => {
    hs = await startFakeHomeserver({ token: TOKEN, rooms: ROOMS });
    const r = await (await agent()).call('send', { room: '!left:example.org', message: 'x' });
    expect(r.text).toBe('Matrix refused the message (HTTP 403: M_FORBIDDEN)');
    expect(readErrorMeta(r.raw)?.code).toBe('SMCP_UPSTREAM_ERROR');
  });

  it('a wrong token: setup fails on alias resolution with M_UNKNOWN_TOKEN; with ids only, the send does', async () => {
    hs = await startFakeHomeserver({ token: TOKEN, rooms: ROOMS });
    await expect(agent(['#ops:example.org'], { token: 'syt_wrong' })).rejects.toThrow(
      /HTTP 401: M_UNKNOWN_TOKEN/,
    );
    const r = await (await agent(['!dev:example.org'], { token: 'syt_wrong' })).call('send', {
      room: '!dev:example.org',
      message: 'x',
    });
    expect(r.text).toBe('Matrix refused the message (HTTP 401: M_UNKNOWN_TOKEN)');
  });

  it.each<[string, HomeserverBehaviour, string, string]>([
    [
      'rate limiting past the deadline',
      { kind: 'rate_limited', retryAfterMs: 30_000 },
      'Matrix is rate limiting (HTTP 429: M_LIMIT_EXCEEDED); retry in 30 s',
      'SMCP_UPSTREAM_UNAVAILABLE',
    ],
    [
      'a 500',
      { kind: 'fail' },
      'Matrix failed (HTTP 500: M_UNKNOWN); retry later',
      'SMCP_UPSTREAM_UNAVAILABLE',
    ],
    [
      'a hung server',
      { kind: 'hang' },
      'Matrix did not answer within 300 ms (timeout_ms)',
      'SMCP_LIMIT_EXCEEDED',
    ],
    [
      'a slow answer',
      { kind: 'slow', ms: 2000 },
      'Matrix did not answer within 300 ms (timeout_ms)',
      'SMCP_LIMIT_EXCEEDED',
    ],
    [
      'a redirect',
      { kind: 'redirect' },
      'Matrix answered with a redirect (HTTP 302), which is never followed: check the configured URL',
      'SMCP_UPSTREAM_ERROR',
    ],
  ])('%s', async (_label, behaviour, text, code) => {
    hs = await startFakeHomeserver({ token: TOKEN, rooms: ROOMS });
    const h = await agent(['!dev:example.org'], { timeout_ms: 300 });
    hs.behaviour = behaviour;
    const r = await h.call('send', { room: '!dev:example.org', message: 'x' });
    expect(r.text).toBe(text);
    expect(readErrorMeta(r.raw)?.code).toBe(code);
    expect(hs.sent).toEqual([]);
  });

  it('retries a 429 once retry_after_ms has passed, within the deadline', async () => {
    hs = await startFakeHomeserver({ token: TOKEN, rooms: ROOMS });
    const h = await agent(['!dev:example.org'], { timeout_ms: 5000 });
    hs.behaviour = { kind: 'rate_limited', retryAfterMs: 300, times: 1 };
    hs.behaviourFor = 'send';
    const r = await h.call('send', { room: '!dev:example.org', message: 'x' });
    expect(r.isError).toBe(false);
    expect(hs.sent).toHaveLength(1);
    expect(hs.refused.filter((r) => r.status === 429)).toEqual([
      { status: 429, errcode: 'M_LIMIT_EXCEEDED' },
    ]);
  });

  it.each([
    ['not a url', 'MATRIX_HOMESERVER is not a URL'],
    ['http://matrix.example.org', 'MATRIX_HOMESERVER uses plain http to a host that is not loopback'],
  ])('refuses MATRIX_HOMESERVER %j at start, without quoting it', async (homeserver, message) => {
    hs = await startFakeHomeserver({ token: TOKEN, rooms: ROOMS });
    const error = await agent(['!dev:example.org'], { homeserver }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain(message);
    expect(error?.message).not.toContain('matrix.example.org');
  });
});

describe('matrix credentials never reach the agent or the logs', () => {
  it('on success and on every failure', async () => {
    const URL_CANARY = 'hs-canary-path-3c4d5e';
    const TOKEN_CANARY = 'syt_canary_token_8f9a0b';
    hs = await startFakeHomeserver({ token: TOKEN_CANARY, rooms: ROOMS, basePath: `/${URL_CANARY}` });
    const h = await agent(['#ops:example.org', '!secret:example.org', '!left:example.org'], {
      token: TOKEN_CANARY,
      timeout_ms: 300,
    });
    const seen: string[] = [];
    const call = async (room: string) =>
      seen.push(JSON.stringify((await h.call('send', { room, message: 'x' })).raw));
    await call('#ops:example.org');
    await call('!secret:example.org');
    await call('!left:example.org');
    await call('!nope:example.org');
    for (const behaviour of [
      { kind: 'rate_limited', retryAfterMs: 30_000 },
      { kind: 'fail' },
      { kind: 'hang' },
      { kind: 'redirect' },
    ] as const) {
      hs.behaviour = behaviour;
      await call('#ops:example.org');
    }
    await hs.close();
    await call('#ops:example.org');
    seen.push(JSON.stringify(h.audit), JSON.stringify(h.ops));
    const everything = seen.join('\n');
    expect(h.audit.length).toBeGreaterThanOrEqual(9);
    expect(everything).not.toContain(URL_CANARY);
    expect(everything).not.toContain(TOKEN_CANARY);
    expect(everything).not.toContain(new URL(hs.url).host);
  });
});
