import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { captureLogger } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from './__fixtures__/harness.js';
import { hasProc, isRunning } from './__fixtures__/process-probes.js';
import { DatabaseProcess, type DatabaseProcessOptions } from './database-process.js';
import { SERVER_ENTRY } from './server-entry.js';

/** The database process seen from the proxy: scheduling, stopping, restarting, and its limits. */

const MIB = 1024 * 1024;
const RUNAWAY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c';
const hasPrlimit = hasProc && ['/usr/bin/prlimit', '/bin/prlimit', '/usr/sbin/prlimit'].some(existsSync);

let dir: string;
const started: DatabaseProcess[] = [];

/** Starts a DatabaseProcess and, unless told not to, waits until its database is open. */
async function start(
  options: Partial<DatabaseProcessOptions> = {},
  waitOpen = true,
): Promise<{ db: DatabaseProcess; ops: Record<string, unknown>[] }> {
  const ops: Record<string, unknown>[] = [];
  const db = await DatabaseProcess.start({
    dbDir: dir,
    agentId: 'a',
    limits: { maxRows: 1000, maxBytes: MIB },
    busyTimeoutMs: 1000,
    journalMode: 'wal',
    statementTimeoutMs: 30_000,
    maxDbBytes: 256 * MIB,
    maxMemoryBytes: 256 * MIB,
    refusedKinds: ['DROP', 'VACUUM'],
    executeTool: 'sqlite_execute',
    log: captureLogger('ops', ops),
    ...options,
  });
  started.push(db);
  if (waitOpen) await db.opened();
  return { db, ops };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function gone(pid: number, withinMs = 1000): Promise<boolean> {
  const until = performance.now() + withinMs;
  while (isRunning(pid)) {
    if (performance.now() > until) return false;
    await sleep(20);
  }
  return true;
}

function runningPid(db: DatabaseProcess): number {
  const pid = db.pid;
  if (pid === undefined) throw new Error('no database process');
  return pid;
}

beforeEach(async () => {
  dir = await makeTempDir();
});

afterEach(async () => {
  for (const db of started.splice(0)) await db.close();
  await removeDir(dir);
});

describe('DatabaseProcess', () => {
  it('opens the database in the background and answers calls in order', async () => {
    const { db } = await start({}, false);
    await db.opened();
    expect(db.pid).toBeTypeOf('number');
    await db.execute('CREATE TABLE t (a)', undefined);
    const answers = await Promise.all([
      db.execute('INSERT INTO t VALUES (1)', undefined),
      db.query('SELECT count(*) AS n FROM t', undefined),
      db.listTables(),
      db.createTable('u', { a: 'TEXT' }),
      db.listTables(),
    ]);
    expect(answers).toEqual([
      { changes: 1, last_insert_rowid: 1 },
      '[{"n":1}]',
      ['t'],
      undefined,
      ['t', 'u'],
    ]);
  });

  it('stops a running statement when its call is cancelled, and the next call starts a new process', async () => {
    const { db } = await start();
    const controller = new AbortController();
    const running = db.query(RUNAWAY, undefined, controller.signal);
    await sleep(200);
    const pid = runningPid(db);
    const cancelled = performance.now();
    controller.abort();
    await expect(running).rejects.toThrow('The statement was cancelled');
    expect(performance.now() - cancelled).toBeLessThan(100);
    if (hasProc) expect(await gone(pid)).toBe(true);
    expect(await db.query('SELECT 1 AS one', undefined)).toBe('[{"one":1}]');
    expect(db.pid).not.toBe(pid);
  });

  it('drops a queued call that is cancelled and leaves the running one alone', async () => {
    const { db } = await start();
    await db.execute('CREATE TABLE t (a)', undefined);
    const slow = db.execute(
      'INSERT INTO t WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT x FROM c',
      undefined,
    );
    const controller = new AbortController();
    const queued = db.query('SELECT 1', undefined, controller.signal);
    const pid = runningPid(db);
    controller.abort();
    await expect(queued).rejects.toThrow('The statement was cancelled');
    expect(await slow).toEqual({ changes: 200000, last_insert_rowid: 200000 });
    expect(db.pid).toBe(pid);
  });

  it('refuses a call whose signal is already aborted, without running it', async () => {
    const { db } = await start();
    await db.execute('CREATE TABLE t (a)', undefined);
    const controller = new AbortController();
    controller.abort();
    await expect(db.execute('INSERT INTO t VALUES (1)', undefined, controller.signal)).rejects.toThrow(
      'The statement was cancelled',
    );
    expect(await db.query('SELECT count(*) AS n FROM t', undefined)).toBe('[{"n":0}]');
  });

  it('rolls back a write it stopped', async () => {
    const { db } = await start({ statementTimeoutMs: 300 });
    await db.execute('CREATE TABLE t (a)', undefined);
    await db.execute('INSERT INTO t VALUES (0)', undefined);
    await expect(
      db.execute(
        'INSERT INTO t WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c',
        undefined,
      ),
    ).rejects.toThrow('statement stopped after 300 ms (statement_timeout_ms)');
    expect(await db.query('SELECT count(*) AS n FROM t', undefined)).toBe('[{"n":1}]');
    expect(await db.query('PRAGMA integrity_check', undefined)).toBe('[{"integrity_check":"ok"}]');
  });

  it('closes within a second while a statement runs, leaving no process', async () => {
    const { db } = await start();
    const running = db.query(RUNAWAY, undefined);
    await sleep(200);
    const pid = runningPid(db);
    const failed = expect(running).rejects.toThrow('The database is shutting down');
    const closing = performance.now();
    await db.close();
    expect(performance.now() - closing).toBeLessThan(1000);
    await failed;
    if (hasProc) expect(isRunning(pid)).toBe(false);
    await expect(db.query('SELECT 1', undefined)).rejects.toThrow('The database is shutting down');
  });

  it('closes an idle process gracefully: the connections close and the WAL is folded back', async () => {
    const { db } = await start();
    await db.execute('CREATE TABLE t (a)', undefined);
    await db.execute('INSERT INTO t VALUES (1)', undefined);
    expect(existsSync(join(dir, 'agent_a.db-wal'))).toBe(true);
    const closing = performance.now();
    await db.close();
    expect(performance.now() - closing).toBeLessThan(1000);
    expect(existsSync(join(dir, 'agent_a.db-wal'))).toBe(false);
  });

  it('starts a new process when the old one died between calls', async () => {
    const { db, ops } = await start();
    const pid = runningPid(db);
    process.kill(pid, 'SIGTERM');
    while (db.pid !== undefined) await sleep(10);
    expect(await db.query('SELECT 1 AS one', undefined)).toBe('[{"one":1}]');
    expect(ops.some((r) => r.event === 'sqlite database process exited unexpectedly')).toBe(true);
  });

  it.each([
    ['SIGTERM', 'The database process stopped unexpectedly; the next call starts a new one'],
    // The kernel's OOM killer is the usual sender of a SIGKILL nobody here sent.
    ['SIGKILL', 'statement ran out of memory (max_memory_bytes 268435456)'],
  ] as const)('fails the running call when its process dies of %s', async (signal, message) => {
    const { db } = await start();
    const running = db.query(RUNAWAY, undefined);
    await sleep(200);
    process.kill(runningPid(db), signal);
    await expect(running).rejects.toThrow(message);
    expect(await db.query('SELECT 1 AS one', undefined)).toBe('[{"one":1}]');
  });

  it('reports a file that is not a database on every call, and in the ops log at once', async () => {
    await writeFile(join(dir, 'agent_a.db'), 'not a database, just text that is long enough to be read');
    const { db, ops } = await start({}, false);
    await expect(db.opened()).rejects.toThrow(/file is not a database/);
    await expect(db.query('SELECT 1', undefined)).rejects.toThrow(/file is not a database/);
    expect(ops.find((r) => r.event === 'sqlite database could not be opened')?.error).toMatch(
      /file is not a database/,
    );
  });

  it('refuses a file already over max_db_bytes room to grow, with a warning, but lets it shrink', async () => {
    const first = await start();
    await first.db.execute('CREATE TABLE big (b BLOB)', undefined);
    await first.db.execute('INSERT INTO big VALUES (zeroblob(3000000))', undefined);
    await first.db.close();
    const { db, ops } = await start({ maxDbBytes: MIB });
    expect(
      ops.find((r) => r.event === 'sqlite database is larger than max_db_bytes; it can shrink but not grow'),
    ).toMatchObject({ max_db_bytes: MIB });
    await expect(db.execute('INSERT INTO big VALUES (zeroblob(100000))', undefined)).rejects.toThrow(
      'database is full (max_db_bytes 1048576)',
    );
    expect(await db.execute('DELETE FROM big', undefined)).toMatchObject({ changes: 1 });
  });
});

describe.runIf(hasProc)('the database process (Linux)', () => {
  it('inherits no environment from the proxy', async () => {
    process.env.SMCP_TEST_SECRET = 'do-not-pass-me-on';
    try {
      const { db } = await start();
      const environ = readFileSync(`/proc/${runningPid(db)}/environ`, 'utf8')
        .split('\0')
        .filter(Boolean);
      expect(environ.filter((entry) => !entry.startsWith('NODE_'))).toEqual([]);
    } finally {
      delete process.env.SMCP_TEST_SECRET;
    }
  });

  it.runIf(hasPrlimit)(
    'runs under a memory limit: a statement needing more fails fast and cleanly',
    async () => {
      const { db, ops } = await start({ maxMemoryBytes: 64 * MIB });
      const pid = runningPid(db);
      const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
      const data = /^Max data size\s+(\d+)\s+(\d+)\s+bytes/m.exec(limits);
      expect(Number(data?.[1])).toBeGreaterThan(64 * MIB);
      expect(Number(data?.[1])).toBeLessThan(4096 * MIB);
      expect(/^Max core file size\s+0\s+0/m.test(limits)).toBe(true);
      const t = performance.now();
      await expect(db.query('SELECT length(hex(zeroblob(100000000))) AS n', undefined)).rejects.toThrow(
        'statement ran out of memory (max_memory_bytes 67108864)',
      );
      expect(performance.now() - t).toBeLessThan(2000);
      // SQLite failed the allocation cleanly: the same process answers the next call.
      expect(await db.query('SELECT 1 AS one', undefined)).toBe('[{"one":1}]');
      expect(db.pid).toBe(pid);
      expect(ops.some((r) => r.event === 'sqlite max_memory_bytes is not enforced on this system')).toBe(
        false,
      );
    },
  );

  it.each(['database-process', 'watch-parent'])(
    'ends with its proxy when the proxy is killed mid-statement (%s)',
    async (how) => {
      const fixture = fileURLToPath(new URL('./__fixtures__/orphan-parent.mjs', import.meta.url));
      const parent = spawn(process.execPath, [...SERVER_ENTRY.nodeArgv, fixture, dir, how], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        const pid = await new Promise<number>((resolve, reject) => {
          parent.stdout.setEncoding('utf8');
          parent.stdout.once('data', (line: string) => resolve(Number(line.trim())));
          parent.once('exit', () => reject(new Error('the fixture exited early')));
        });
        expect(Number.isInteger(pid)).toBe(true);
        await sleep(200);
        expect(isRunning(pid)).toBe(true);
        parent.kill('SIGKILL');
        expect(await gone(pid, 1500)).toBe(true);
      } finally {
        parent.kill('SIGKILL');
      }
    },
  );
});
