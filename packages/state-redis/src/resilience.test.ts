// Redis going away must refuse calls fast (fail closed) and heal by itself; the URL's password must
// never surface in an error or a log line.
import { createRateLimitMiddleware } from '@scoped-mcp/core/runtime';
import { captureLogger } from '@scoped-mcp/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { agentState } from '@scoped-mcp/core/runtime';
import {
  type RedisServerHandle,
  redisServerAvailable,
  startRedisServer,
} from './__fixtures__/redis-server.js';
import { createRedisState, RedisStateError } from './redis-state.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with how long `fn` took to settle and how (never throws). */
async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - start, value };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (error) {
      last = error;
      await sleep(100);
    }
  }
  throw last;
}

function logCollector() {
  const lines: Record<string, unknown>[] = [];
  const push = (level: string) => (fields: Record<string, unknown>, event: string) =>
    lines.push({ level, event, ...fields });
  return { lines, log: { info: push('info'), warn: push('warn') } };
}

describe.skipIf(!redisServerAvailable())('redis backend resilience', () => {
  const servers: RedisServerHandle[] = [];
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close().catch(() => undefined);
    for (const server of servers.splice(0)) await server.stop();
  });
  const start = async (options: { port?: number; password?: string } = {}) => {
    const server = await startRedisServer(options);
    servers.push(server);
    return server;
  };

  it('fails closed within a second when Redis is killed, and recovers when it returns on the same port', async () => {
    const server = await start();
    const { lines, log } = logCollector();
    const state = await createRedisState({ url: server.url }, { coreVersion: 'test', log });
    closers.push(() => state.close());
    const audit: Record<string, unknown>[] = [];
    const { middleware } = createRateLimitMiddleware({
      config: { global: '100/minute', per_tool: {} },
      state: agentState(state, 'agent-k'),
      audit: captureLogger('audit', audit),
      agentId: 'agent-k',
      toolNames: ['fs_read'],
    });
    const call = { tool: 'fs_read' } as Parameters<typeof middleware>[0];
    let handled = 0;
    const next = async () => {
      handled++;
      return 'ok';
    };
    expect(await middleware(call, next)).toBe('ok');

    await server.kill();
    for (let i = 0; i < 3; i++) {
      const direct = await timed(() => state.get('k'));
      expect(direct.error).toBeInstanceOf(RedisStateError);
      expect(direct.ms).toBeLessThan(1000);
      const guarded = await timed(() => middleware(call, next));
      expect((guarded.error as Error).message).toBe(
        'state backend unavailable; the call was refused (fail closed)',
      );
      expect(guarded.ms).toBeLessThan(1000);
    }
    expect(handled).toBe(1);
    expect(audit.filter((r) => r.event === 'rate_limit_backend_error')).toHaveLength(3);

    const again = await start({ port: server.port });
    expect(again.port).toBe(server.port);
    expect(await eventually(() => middleware(call, next))).toBe('ok');
    expect(handled).toBe(2);
    // One line per outage, not one per reconnect attempt.
    expect(lines.map((l) => l.event)).toEqual(['state_backend_unavailable', 'state_backend_recovered']);
  });

  it('a hung server (SIGSTOP) fails calls by the command timeout, not forever', async () => {
    const server = await start();
    const state = await createRedisState({ url: server.url });
    closers.push(() => state.close());
    await state.set('k', 'v', 60_000);
    server.pause();
    try {
      const hung = await timed(() => state.slidingWindowHit('w', 5, 60_000));
      expect(hung.error).toBeInstanceOf(RedisStateError);
      expect(hung.ms).toBeLessThan(1600);
    } finally {
      server.resume();
    }
    expect(await eventually(() => state.get('k'))).toBe('v');
  });

  it('starts while Redis is down (calls fail closed) and connects once it is up', async () => {
    const probe = await start();
    const port = probe.port;
    await probe.stop();
    servers.splice(0);
    const state = await createRedisState({ url: `redis://127.0.0.1:${port}` });
    closers.push(() => state.close());
    await expect(state.get('k')).rejects.toBeInstanceOf(RedisStateError);
    await start({ port });
    await eventually(() => state.set('k', 'v', 1000));
    expect(await state.get('k')).toBe('v');
  });

  it('never puts the password in an error or a log line', async () => {
    const password = 'pw-S3cret-zz9';
    const wrong = 'wr0ng-S3cret-yy8';
    const server = await start({ password });
    const { lines, log } = logCollector();
    const texts: string[] = [];

    // Right password: works, and the logged URL carries no userinfo.
    const good = await createRedisState({ url: server.url }, { coreVersion: 'test', log });
    closers.push(() => good.close());
    await good.set('k', 'v', 1000);
    expect(await good.get('k')).toBe('v');

    // Wrong password: every call fails, and says why without the secret.
    const badUrl = `redis://:${wrong}@127.0.0.1:${server.port}/0`;
    const bad = await createRedisState({ url: badUrl }, { coreVersion: 'test', log });
    closers.push(() => bad.close());
    const attempts: (() => Promise<unknown>)[] = [
      () => bad.get('k'),
      () => bad.slidingWindowHit('w', 1, 1000),
      () => bad.keys('*'),
    ];
    for (const attempt of attempts) {
      const { error } = await timed(attempt);
      expect(error).toBeInstanceOf(RedisStateError);
      texts.push(String((error as Error).message), String((error as Error).stack));
    }

    // Server gone: connection errors don't leak it either.
    await server.kill();
    const { error } = await timed(() => good.get('k'));
    texts.push(String((error as Error).message), String((error as Error).stack));
    await sleep(300);

    texts.push(...lines.map((l) => JSON.stringify(l)));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.url === `redis://127.0.0.1:${server.port}/0`)).toBe(true);
    for (const text of texts) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(encodeURIComponent(password));
    }
  });
});
