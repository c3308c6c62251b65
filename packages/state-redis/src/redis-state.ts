import { randomUUID } from 'node:crypto';
import {
  checkWindowArgs,
  errorLine,
  keyGlobMatcher,
  MAX_KEYS,
  type SlidingWindowResult,
  type StateBackend,
  type StateBackendFactoryContext,
  StateBackendError,
  type StateBackendPackageConfig,
  stateTtlMs,
} from '@scoped-mcp/core';
import { Redis } from 'ioredis';
import { clientOptions } from './client-options.js';
import { redactRedisUrl, secretScrubber } from './redact-url.js';
import { runScript, script } from './run-script.js';
import { scanMatchFor } from './scan-pattern.js';
import { GET_AND_DELETE, SLIDING_WINDOW_HIT } from './scripts.js';
import { watchConnection } from './watch-connection.js';

const WINDOW_HIT = script(SLIDING_WINDOW_HIT);
const GETDEL_FALLBACK = script(GET_AND_DELETE);
const SCAN_BATCH = 500;
/** How long startup waits for the first connection before going on (calls fail closed until it comes). */
export const STARTUP_WAIT_MS = 2000;

/** A failure of the Redis backend; its message never holds the URL's credentials. */
export class RedisStateError extends StateBackendError {
  constructor(message: string, code?: 'SMCP_STATE_CONFIG_INVALID') {
    super(message, code);
    this.name = 'RedisStateError';
  }
}

/**
 * StateBackend on a Redis-protocol server (Redis, Valkey, Dragonfly) through ioredis. `key_prefix` is
 * prepended to every key on the wire and is invisible to callers (keys() returns keys without it), so
 * several deployments can share one server.
 */
export async function createRedisState(
  config: StateBackendPackageConfig,
  context: StateBackendFactoryContext = { coreVersion: 'unknown' },
): Promise<StateBackend> {
  const safeUrl = redactRedisUrl(config.url);
  const scrub = secretScrubber(config.url);
  if (!/^rediss?:\/\//i.test(config.url)) {
    throw new RedisStateError(
      `state_backend.url must be a redis:// or rediss:// URL (got ${safeUrl})`,
      'SMCP_STATE_CONFIG_INVALID',
    );
  }
  const prefix = config.key_prefix ?? '';
  const client = new Redis(config.url, clientOptions());
  const connection = watchConnection(client, { url: safeUrl, scrub, log: context.log });
  await connection.firstReady(STARTUP_WAIT_MS);

  const fail = (error: unknown): never => {
    // Scrubbed before it is cut: a cut could leave part of a password that the scrubber no longer sees.
    const line = errorLine(scrub(errorLine(error, Number.POSITIVE_INFINITY)));
    throw new RedisStateError(`redis state backend: ${line} (${safeUrl})`);
  };
  const wire = (key: string) => prefix + key;
  const memberBase = randomUUID();
  let hits = 0;
  let hasGetDel = true;

  return {
    kind: 'redis',
    shared: true,

    async slidingWindowHit(key, limit, windowMs): Promise<SlidingWindowResult> {
      checkWindowArgs(limit, windowMs);
      // Unique per hit and per process; the server's clock scores it.
      const member = `${memberBase}:${++hits}`;
      const reply = await runScript(client, WINDOW_HIT, [wire(key)], [limit, windowMs, member]).catch(fail);
      if (!Array.isArray(reply) || reply.length !== 3)
        fail(new Error('unexpected reply to the window script'));
      const [allowed, count, retry] = (reply as unknown[]).map(Number) as [number, number, number];
      return { allowed: allowed === 1, count, retryAfterMs: allowed === 1 ? 0 : retry };
    },

    async setIfAbsent(key, value, ttlMs) {
      const ttl = stateTtlMs(ttlMs);
      const reply = await client.set(wire(key), value, 'PX', ttl, 'NX').catch(fail);
      return reply === 'OK';
    },

    async set(key, value, ttlMs) {
      const ttl = stateTtlMs(ttlMs);
      await client.set(wire(key), value, 'PX', ttl).catch(fail);
    },

    async get(key) {
      return (await client.get(wire(key)).catch(fail)) ?? undefined;
    },

    async take(key) {
      if (hasGetDel) {
        try {
          return (await client.getdel(wire(key))) ?? undefined;
        } catch (error) {
          // GETDEL arrived in Redis 6.2; older servers get the same atomicity from a script.
          if (!(error instanceof Error && /unknown command/i.test(error.message))) fail(error);
          hasGetDel = false;
        }
      }
      const reply = await runScript(client, GETDEL_FALLBACK, [wire(key)], []).catch(fail);
      return typeof reply === 'string' ? reply : undefined;
    },

    async delete(key) {
      return (await client.del(wire(key)).catch(fail)) > 0;
    },

    async keys(pattern) {
      const matches = keyGlobMatcher(pattern);
      const match = scanMatchFor(prefix + pattern, prefix.length);
      const found = new Set<string>();
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', match, 'COUNT', SCAN_BATCH).catch(fail);
        cursor = next;
        for (const wireKey of batch) {
          if (!wireKey.startsWith(prefix)) continue;
          const key = wireKey.slice(prefix.length);
          if (matches(key)) found.add(key);
          if (found.size >= MAX_KEYS) return [...found];
        }
      } while (cursor !== '0');
      return [...found];
    },

    async close() {
      connection.stop();
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
