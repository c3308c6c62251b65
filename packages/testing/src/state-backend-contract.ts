// One behavioural contract every StateBackend passes: core runs it against its in-process backend,
// @scoped-mcp/state-redis against a real redis-server. Keys are unique per test, so a shared server needs no flush.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StateBackend } from '@scoped-mcp/core';
import { agentState } from '@scoped-mcp/core/runtime';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeStateBackendContract(name: string, open: () => Promise<StateBackend>): void {
  describe(`StateBackend contract: ${name}`, () => {
    let backend: StateBackend;
    let ns: string;
    const k = (key: string) => `${ns}:${key}`;

    beforeEach(async () => {
      backend = await open();
      ns = `t-${randomUUID().slice(0, 8)}`;
    });
    afterEach(async () => {
      await backend.close();
    });

    describe('slidingWindowHit', () => {
      it('allows up to the limit, then refuses without recording the refused hit', async () => {
        const results = [];
        for (let i = 0; i < 5; i++) results.push(await backend.slidingWindowHit(k('w'), 3, 10_000));
        expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
        expect(results.map((r) => r.count)).toEqual([1, 2, 3, 3, 3]);
        expect(results[0]?.retryAfterMs).toBe(0);
        for (const refused of results.slice(3)) {
          expect(refused.retryAfterMs).toBeGreaterThan(9_000);
          expect(refused.retryAfterMs).toBeLessThanOrEqual(10_000);
        }
      });

      it('frees slots as hits leave the window (sliding log, not fixed buckets)', async () => {
        const key = k('slide');
        expect((await backend.slidingWindowHit(key, 2, 600)).allowed).toBe(true); // t0
        await sleep(300);
        expect((await backend.slidingWindowHit(key, 2, 600)).allowed).toBe(true); // t300
        const refused = await backend.slidingWindowHit(key, 2, 600);
        expect(refused.allowed).toBe(false);
        // The t0 hit frees the slot at t600: about 300 ms from now.
        expect(refused.retryAfterMs).toBeGreaterThan(150);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(310);
        await sleep(refused.retryAfterMs + 60);
        // Only the t0 hit has left: one slot free, then full again.
        const again = await backend.slidingWindowHit(key, 2, 600);
        expect(again).toEqual({ allowed: true, count: 2, retryAfterMs: 0 });
        expect((await backend.slidingWindowHit(key, 2, 600)).allowed).toBe(false);
      });

      it('resets fully once the whole window has passed', async () => {
        const key = k('reset');
        await backend.slidingWindowHit(key, 1, 200);
        expect((await backend.slidingWindowHit(key, 1, 200)).allowed).toBe(false);
        await sleep(260);
        expect(await backend.slidingWindowHit(key, 1, 200)).toEqual({
          allowed: true,
          count: 1,
          retryAfterMs: 0,
        });
      });

      it('a limit of 0 refuses every call', async () => {
        const r = await backend.slidingWindowHit(k('zero'), 0, 60_000);
        expect(r.allowed).toBe(false);
        expect(r.count).toBe(0);
        expect(r.retryAfterMs).toBeGreaterThan(0);
      });

      it('keeps separate windows per key', async () => {
        await backend.slidingWindowHit(k('a'), 1, 10_000);
        expect((await backend.slidingWindowHit(k('a'), 1, 10_000)).allowed).toBe(false);
        expect((await backend.slidingWindowHit(k('b'), 1, 10_000)).allowed).toBe(true);
      });

      it('is atomic: 50 concurrent hits on a limit of 10 allow exactly 10', async () => {
        const results = await Promise.all(
          Array.from({ length: 50 }, () => backend.slidingWindowHit(k('race'), 10, 10_000)),
        );
        expect(results.filter((r) => r.allowed)).toHaveLength(10);
        expect(
          results
            .filter((r) => r.allowed)
            .map((r) => r.count)
            .sort((a, b) => a - b),
        ).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      });

      it('rejects a negative or fractional limit and a non-positive window', async () => {
        await expect(backend.slidingWindowHit(k('bad'), -1, 1000)).rejects.toThrow(/limit/);
        await expect(backend.slidingWindowHit(k('bad'), 1.5, 1000)).rejects.toThrow(/limit/);
        await expect(backend.slidingWindowHit(k('bad'), 1, 0)).rejects.toThrow(/windowMs/);
      });
    });

    describe('values', () => {
      it('set/get round-trips any string, including empty, unicode and newlines', async () => {
        for (const value of ['', 'plain', 'ünï ✓ 🔑', 'line1\nline2\r\n\0end', 'x'.repeat(100_000)]) {
          await backend.set(k('v'), value, 10_000);
          expect(await backend.get(k('v'))).toBe(value);
        }
        expect(await backend.get(k('missing'))).toBeUndefined();
      });

      it('set overwrites the value and its TTL', async () => {
        await backend.set(k('o'), 'one', 150);
        await backend.set(k('o'), 'two', 10_000);
        await sleep(250);
        expect(await backend.get(k('o'))).toBe('two');
      });

      it('values expire after their TTL and vanish from keys()', async () => {
        await backend.set(k('ttl'), 'v', 150);
        expect(await backend.get(k('ttl'))).toBe('v');
        await sleep(260);
        expect(await backend.get(k('ttl'))).toBeUndefined();
        expect(await backend.take(k('ttl'))).toBeUndefined();
        expect(await backend.keys(`${ns}:*`)).toEqual([]);
      });

      it('setIfAbsent writes only when absent, and again after expiry', async () => {
        expect(await backend.setIfAbsent(k('nx'), 'first', 150)).toBe(true);
        expect(await backend.setIfAbsent(k('nx'), 'second', 150)).toBe(false);
        expect(await backend.get(k('nx'))).toBe('first');
        await sleep(260);
        expect(await backend.setIfAbsent(k('nx'), 'third', 10_000)).toBe(true);
        expect(await backend.get(k('nx'))).toBe('third');
      });

      it('setIfAbsent is atomic: 50 concurrent writers, exactly one wins', async () => {
        const wins = await Promise.all(
          Array.from({ length: 50 }, (_, i) => backend.setIfAbsent(k('nxrace'), `w${i}`, 10_000)),
        );
        expect(wins.filter(Boolean)).toHaveLength(1);
        expect(await backend.get(k('nxrace'))).toBe(`w${wins.indexOf(true)}`);
      });

      it('take returns the value once and deletes it', async () => {
        await backend.set(k('t'), 'token', 10_000);
        expect(await backend.take(k('t'))).toBe('token');
        expect(await backend.take(k('t'))).toBeUndefined();
        expect(await backend.get(k('t'))).toBeUndefined();
      });

      it('take is atomic: 50 concurrent takes of one key yield exactly one value', async () => {
        await backend.set(k('once'), 'approval', 10_000);
        const taken = await Promise.all(Array.from({ length: 50 }, () => backend.take(k('once'))));
        expect(taken.filter((v) => v !== undefined)).toEqual(['approval']);
      });

      it('delete reports whether a key existed, for values and windows alike', async () => {
        await backend.set(k('d'), 'v', 10_000);
        expect(await backend.delete(k('d'))).toBe(true);
        expect(await backend.delete(k('d'))).toBe(false);
        await backend.slidingWindowHit(k('dw'), 1, 10_000);
        expect(await backend.delete(k('dw'))).toBe(true);
        expect((await backend.slidingWindowHit(k('dw'), 1, 10_000)).allowed).toBe(true);
      });

      it('rejects a non-positive TTL', async () => {
        await expect(backend.set(k('bad'), 'v', 0)).rejects.toThrow(/ttl/i);
        await expect(backend.setIfAbsent(k('bad'), 'v', -5)).rejects.toThrow(/ttl/i);
        await expect(backend.set(k('bad'), 'v', Number.NaN)).rejects.toThrow(/ttl/i);
      });
    });

    describe('keys', () => {
      it('matches fnmatch globs against whole keys and returns full keys', async () => {
        for (const key of ['hitl:a.1', 'hitl:a.2', 'hitl:preapproved:t:h', 'rate:global', 'hitl:b.10']) {
          await backend.set(k(key), 'v', 10_000);
        }
        const sorted = async (p: string) => (await backend.keys(p)).sort();
        expect(await sorted(`${ns}:hitl:*`)).toEqual(
          ['hitl:a.1', 'hitl:a.2', 'hitl:b.10', 'hitl:preapproved:t:h'].map(k),
        );
        expect(await sorted(`${ns}:hitl:?.?`)).toEqual(['hitl:a.1', 'hitl:a.2'].map(k));
        expect(await sorted(`${ns}:hitl:[ab].1*`)).toEqual(['hitl:a.1', 'hitl:b.10'].map(k));
        expect(await sorted(`${ns}:hitl:*.*`)).toEqual(['hitl:a.1', 'hitl:a.2', 'hitl:b.10'].map(k));
        // Anchored: a pattern is not a substring search.
        expect(await backend.keys(`${ns}:hitl`)).toEqual([]);
        expect(await backend.keys(`${ns}:rate:global`)).toEqual([k('rate:global')]);
      });

      it('treats regex and Redis metacharacters as literals', async () => {
        await backend.set(k('a.b+c^d$e\\f(g)'), 'v', 10_000);
        await backend.set(k('aXb+c^d$e\\f(g)'), 'v', 10_000);
        expect(await backend.keys(`${ns}:a.b+c^d$e\\f(g)`)).toEqual([k('a.b+c^d$e\\f(g)')]);
        expect(await backend.keys(`${ns}:a.b*`)).toEqual([k('a.b+c^d$e\\f(g)')]);
      });

      it('lists windows too', async () => {
        await backend.slidingWindowHit(k('rate:x'), 5, 10_000);
        expect(await backend.keys(`${ns}:rate:*`)).toEqual([k('rate:x')]);
      });
    });

    describe('agentState', () => {
      it('isolates agents: same key, separate values, windows and key listings', async () => {
        const a = agentState(backend, `${ns}-a`);
        const b = agentState(backend, `${ns}-b`);
        await a.set('hitl:x', 'from-a', 10_000);
        await b.set('hitl:x', 'from-b', 10_000);
        expect(await a.get('hitl:x')).toBe('from-a');
        expect(await b.take('hitl:x')).toBe('from-b');
        expect(await a.get('hitl:x')).toBe('from-a');
        await a.slidingWindowHit('rate:global', 1, 10_000);
        expect((await b.slidingWindowHit('rate:global', 1, 10_000)).allowed).toBe(true);
        expect((await a.keys('*')).sort()).toEqual([
          `scoped-mcp:${ns}-a:hitl:x`,
          `scoped-mcp:${ns}-a:rate:global`,
        ]);
        expect((await a.keys('*')).every((key) => key.startsWith(`scoped-mcp:${ns}-a:`))).toBe(true);
      });

      it('uses the reference key layout scoped-mcp:{agent}:{key}', async () => {
        const a = agentState(backend, `${ns}-layout`);
        await a.slidingWindowHit('rate:global', 5, 10_000);
        expect(await backend.keys(`scoped-mcp:${ns}-layout:*`)).toEqual([
          `scoped-mcp:${ns}-layout:rate:global`,
        ]);
      });

      it('an id with ":" cannot reach into another agent\'s keys', async () => {
        // Without sanitising, agent "<ns>" with key "b:secret" and agent "<ns>:b" with key "secret" would collide.
        const victim = agentState(backend, ns);
        const attacker = agentState(backend, `${ns}:b`);
        await victim.set('b:secret', 'victim-value', 10_000);
        expect(await attacker.get('secret')).toBeUndefined();
        expect(await attacker.take('secret')).toBeUndefined();
        expect(await attacker.keys('*')).toEqual([]);
        await attacker.set('secret', 'attacker-value', 10_000);
        expect(await victim.get('b:secret')).toBe('victim-value');
        expect(await attacker.keys('*')).toEqual([`scoped-mcp:${ns}|b:secret`]);
      });

      it('glob characters in an id never widen keys() to other agents', async () => {
        const victim = agentState(backend, `${ns}-victim`);
        await victim.set('hitl:pending', 'v', 10_000);
        for (const id of [`${ns}-*`, `${ns}-?ictim`, `${ns}-[v]ictim`, `${ns}*`]) {
          const attacker = agentState(backend, id);
          expect(await attacker.keys('*'), id).toEqual([]);
          expect(await attacker.get('hitl:pending'), id).toBeUndefined();
        }
      });

      it('a key pattern cannot climb out of the agent prefix', async () => {
        const victim = agentState(backend, `${ns}-v2`);
        await victim.set('k', 'v', 10_000);
        const attacker = agentState(backend, `${ns}-a2`);
        for (const pattern of ['*', `../${ns}-v2:*`, `*:${ns}-v2:*`, `*${ns}-v2*`]) {
          expect(await attacker.keys(pattern), pattern).toEqual([]);
        }
      });

      it('CR, LF and NUL in ids and keys are neutralised', async () => {
        const a = agentState(backend, `${ns}\nx`);
        await a.set('k\r\n\0', 'v', 10_000);
        expect(await backend.keys(`scoped-mcp:${ns}_x:*`)).toEqual([`scoped-mcp:${ns}_x:k___`]);
      });

      it('a custom root prefix replaces scoped-mcp', async () => {
        const a = agentState(backend, `${ns}-p`, 'team-a');
        await a.set('k', 'v', 10_000);
        expect(await backend.keys(`team-a:${ns}-p:*`)).toEqual([`team-a:${ns}-p:k`]);
      });
    });

    it('every call rejects after close()', async () => {
      await backend.close();
      await expect(backend.get(k('x'))).rejects.toThrow();
      await expect(backend.slidingWindowHit(k('x'), 1, 1000)).rejects.toThrow();
      await expect(backend.take(k('x'))).rejects.toThrow();
    });
  });
}
