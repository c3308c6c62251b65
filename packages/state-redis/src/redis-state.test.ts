import { randomUUID } from 'node:crypto';
import type { StateBackend } from '@scoped-mcp/core';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStateBackendContract } from '@scoped-mcp/testing';
import {
  type RedisServerHandle,
  redisServerAvailable,
  startRedisServer,
} from './__fixtures__/redis-server.js';
import { createRedisState } from './redis-state.js';

describe.skipIf(!redisServerAvailable())('redis state backend', () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  describeStateBackendContract('redis', () => createRedisState({ url: server.url }));
  describeStateBackendContract('redis with key_prefix', () =>
    createRedisState({ url: server.url, key_prefix: 'deploy-1:' }),
  );

  describe('on the wire', () => {
    let raw: Redis;
    let state: StateBackend;
    beforeAll(async () => {
      raw = new Redis(server.url);
      state = await createRedisState({ url: server.url });
    });
    afterAll(async () => {
      await state.close();
      raw.disconnect();
    });

    it('is shared and says so', () => {
      expect(state).toMatchObject({ kind: 'redis', shared: true });
    });

    it('keeps a window as a sorted set scored by server time, expiring with the window', async () => {
      const key = `wire:${randomUUID()}`;
      const [seconds] = await raw.time();
      await state.slidingWindowHit(key, 5, 60_000);
      await state.slidingWindowHit(key, 5, 60_000);
      expect(await raw.type(key)).toBe('zset');
      const scores = (await raw.zrange(key, 0, -1, 'WITHSCORES')).filter((_, i) => i % 2 === 1).map(Number);
      expect(scores).toHaveLength(2);
      for (const score of scores) expect(Math.abs(score - Number(seconds) * 1000)).toBeLessThan(5000);
      const ttl = await raw.pttl(key);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    });

    it('stores values with a millisecond TTL', async () => {
      const key = `wire:${randomUUID()}`;
      await state.set(key, 'v', 5000);
      const ttl = await raw.pttl(key);
      expect(ttl).toBeGreaterThan(4000);
      expect(ttl).toBeLessThanOrEqual(5000);
    });

    it('puts key_prefix in front of every key and hides it from keys()', async () => {
      const prefixed = await createRedisState({ url: server.url, key_prefix: 'team-x:' });
      const key = `p:${randomUUID()}`;
      await prefixed.set(key, 'v', 5000);
      expect(await raw.get(`team-x:${key}`)).toBe('v');
      expect(await raw.exists(key)).toBe(0);
      expect(await prefixed.keys(`${key.slice(0, 10)}*`)).toEqual([key]);
      // Another deployment's prefix cannot see it.
      const other = await createRedisState({ url: server.url, key_prefix: 'team-y:' });
      expect(await other.get(key)).toBeUndefined();
      expect(await other.keys('p:*')).toEqual([]);
      await prefixed.close();
      await other.close();
    });

    it('re-sends a window script the server forgot (SCRIPT FLUSH, as after a restart)', async () => {
      const key = `wire:${randomUUID()}`;
      await state.slidingWindowHit(key, 5, 60_000);
      await raw.script('FLUSH');
      expect((await state.slidingWindowHit(key, 5, 60_000)).count).toBe(2);
    });

    it('pages through SCAN for keys()', async () => {
      const base = `many:${randomUUID()}`;
      const pipeline = raw.pipeline();
      for (let i = 0; i < 1500; i++) pipeline.set(`${base}:${i}`, 'v', 'PX', 60_000);
      await pipeline.exec();
      expect(await state.keys(`${base}:*`)).toHaveLength(1500);
      expect(await state.keys(`${base}:1?`)).toHaveLength(10);
    });
  });

  it('rejects a URL that is not redis:// or rediss://, without echoing its secret', async () => {
    const error = await createRedisState({ url: 'http://user:hunter2@127.0.0.1:1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toMatch(/redis:\/\/ or rediss:\/\//);
    expect(String((error as Error).message)).not.toContain('hunter2');
  });
});
