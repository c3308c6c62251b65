import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readErrorMeta } from '@scoped-mcp/core';
import type { ModuleHarness } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, openAgent, removeDir } from './__fixtures__/harness.js';
import { childPids, cpuMs, hasProc, loopLagProbe } from './__fixtures__/process-probes.js';

/**
 * What no statement may do to the agent's proxy process: hold it (time), fill its memory, or fill the disk.
 * The statements are the reproduced failures; the runaway ones are bounded so that, on a build without
 * these limits, the test fails after a few seconds instead of hanging the test run.
 */

let root: string;
let dbDir: string;
const open: ModuleHarness[] = [];

async function agent(config: Record<string, unknown> = {}): Promise<ModuleHarness> {
  const h = await openAgent(dbDir, { config });
  open.push(h);
  return h;
}

beforeEach(async () => {
  root = await makeTempDir();
  dbDir = join(root, 'db');
});

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  await removeDir(root);
});

const MIB = 1024 * 1024;
// Seconds to tens of seconds on the 2-core test machine when nothing stops them.
const RECURSIVE =
  'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT count(*) AS n FROM c';
const CROSS_JOIN = 'SELECT count(*) AS n FROM t a, t b, t c';

describe('statement_timeout_ms', () => {
  it.each([
    ['an unbounded recursive CTE', RECURSIVE],
    ['a large cross join', CROSS_JOIN],
  ])('stops %s, keeping the event loop free, and the next call works', async (_name, sql) => {
    const h = await agent({ statement_timeout_ms: 500 });
    await h.call('execute', {
      sql: 'CREATE TABLE t AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT x AS a FROM c',
    });
    const lag = loopLagProbe();
    const started = performance.now();
    let settled = false;
    const running = h.call('query', { sql }).finally(() => {
      settled = true;
    });
    // Other tools and tools/list are served while the statement runs.
    const status = await h.runtime.call('scoped_mcp_status', {});
    expect(status.isError).toBeFalsy();
    expect(h.runtime.list().length).toBeGreaterThan(0);
    expect(settled).toBe(false);
    const result = await running;
    const elapsed = performance.now() - started;
    expect(lag.stop()).toBeLessThan(200);
    expect(result.isError).toBe(true);
    expect(result.text).toBe('statement stopped after 500 ms (statement_timeout_ms)');
    // The limit reaches the agent's program too, across the database process's channel.
    expect(readErrorMeta(result.raw)).toEqual({
      code: 'SMCP_LIMIT_EXCEEDED',
      limit: { name: 'statement_timeout_ms', value: 500 },
    });
    expect(elapsed).toBeGreaterThanOrEqual(490);
    expect(elapsed).toBeLessThan(2500);
    expect(h.audit.at(-1)).toMatchObject({
      event: 'tool_error',
      tool: 'sqlite_query',
      error_code: 'SMCP_LIMIT_EXCEEDED',
      error: 'LimitExceededError',
      error_message: 'statement stopped after 500 ms (statement_timeout_ms)',
    });
    expect((await h.call('query', { sql: 'SELECT count(*) AS n FROM t' })).json()).toEqual([{ n: 1000 }]);
  });

  it.runIf(hasProc)('leaves no process burning CPU once the statement is stopped', async () => {
    const h = await agent({ statement_timeout_ms: 300 });
    const before = childPids('database-server');
    const result = await h.call('query', { sql: RECURSIVE });
    expect(result.text).toBe('statement stopped after 300 ms (statement_timeout_ms)');
    // The stopped process (if it still existed it would be among these) and whatever was started since.
    const pids = [...new Set([...before, ...childPids('database-server')])];
    const first = cpuMs(pids);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(cpuMs(pids) - first).toBeLessThan(150);
  });
});

describe('cancellation and shutdown', () => {
  const UNENDING = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c';

  it('stops the statement of a cancelled call', async () => {
    const h = await agent();
    const controller = new AbortController();
    const running = h.call('query', { sql: UNENDING }, { signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const cancelled = performance.now();
    controller.abort();
    const result = await running;
    expect(performance.now() - cancelled).toBeLessThan(200);
    expect(result.text).toBe('The statement was cancelled');
    expect((await h.call('query', { sql: 'SELECT 1 AS one' })).json()).toEqual([{ one: 1 }]);
  });

  it('shuts down within a second while a statement runs', async () => {
    const h = await openAgent(dbDir);
    const running = h.call('query', { sql: UNENDING });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const closing = performance.now();
    await h.close();
    expect(performance.now() - closing).toBeLessThan(1000);
    expect((await running).text).toBe('The database is shutting down');
  });
});

describe('memory and disk', () => {
  it('refuses a statement that builds a huge value quickly, without the proxy process growing', async () => {
    const h = await agent();
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const lag = loopLagProbe();
    const started = performance.now();
    const result = await h.call('query', { sql: "SELECT replace(hex(zeroblob(150000000)),'00','ab') AS v" });
    const elapsed = performance.now() - started;
    expect(lag.stop()).toBeLessThan(200);
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(
      /^(statement ran out of memory \(max_memory_bytes 268435456\)|query result is larger than 1048576 bytes)/,
    );
    expect(readErrorMeta(result.raw)?.limit?.name).toMatch(/^(max_memory_bytes|max_result_bytes)$/);
    expect(elapsed).toBeLessThan(3000);
    expect(process.resourceUsage().maxRSS * 1024 - peakBefore).toBeLessThan(16 * MIB);
    expect((await h.call('query', { sql: 'SELECT 1 AS one' })).json()).toEqual([{ one: 1 }]);
  });

  it('stops the database at max_db_bytes', async () => {
    const h = await agent();
    await h.call('execute', { sql: 'CREATE TABLE big (b BLOB)' });
    const results = [];
    for (let i = 0; i < 5; i++) {
      results.push(await h.call('execute', { sql: 'INSERT INTO big VALUES (zeroblob(200000000))' }));
    }
    const refused = results.filter((r) => r.isError);
    expect(refused.length).toBeGreaterThanOrEqual(4);
    for (const r of refused) {
      expect(r.text).toBe('database is full (max_db_bytes 268435456)');
      expect(readErrorMeta(r.raw)?.limit).toEqual({ name: 'max_db_bytes', value: 268435456 });
    }
    expect((await stat(join(dbDir, 'agent_agent-a.db'))).size).toBeLessThanOrEqual(256 * MIB);
    // Still usable: reads work and a small write fits.
    expect((await h.call('query', { sql: 'SELECT count(*) AS n FROM big' })).json()).toEqual([
      { n: 5 - refused.length },
    ]);
    expect((await h.call('execute', { sql: 'DELETE FROM big' })).isError).toBe(false);
  });
});

describe('limit settings', () => {
  it.each([
    { statement_timeout_ms: 0 },
    { statement_timeout_ms: 1.5 },
    { statement_timeout_ms: '1000' },
    { statement_timeout_ms: 3_600_001 },
    { max_db_bytes: 1000 },
    { max_db_bytes: -1 },
    { max_memory_bytes: 32 * MIB },
    // A full result must fit: 64 MiB + 8 × 32 MiB is more than 256 MiB.
    { max_result_bytes: 32 * MIB },
    { max_result_bytes: 32 * MIB, max_memory_bytes: 300 * MIB },
  ])('refuses %j at startup', async (config) => {
    await expect(openAgent(dbDir, { config })).rejects.toThrow(/invalid config/);
  });

  it('names the smallest max_memory_bytes that fits the result cap', async () => {
    await expect(openAgent(dbDir, { config: { max_result_bytes: 32 * MIB } })).rejects.toThrow(
      'max_memory_bytes must be at least 64 MiB + 8 × max_result_bytes (335544320) so that a full result fits',
    );
  });

  it('accepts a larger memory limit for a larger result cap', async () => {
    const h = await agent({ max_result_bytes: 32 * MIB, max_memory_bytes: 320 * MIB });
    expect((await h.call('query', { sql: 'SELECT 1 AS one' })).json()).toEqual([{ one: 1 }]);
  });
});
