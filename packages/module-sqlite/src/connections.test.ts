import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir } from './__fixtures__/harness.js';
import { type AgentConnections, openConnections } from './connections.js';

let dir: string;
let connections: AgentConnections;

beforeEach(async () => {
  dir = await makeTempDir();
  const file = join(dir, 'agent_x.db');
  await writeFile(file, '');
  connections = openConnections(file, { busyTimeoutMs: 1234, journalMode: 'wal' });
});

afterEach(async () => {
  connections.reader.close();
  connections.writer.close();
  await removeDir(dir);
});

function pragma(which: keyof AgentConnections, name: string): unknown {
  return connections[which].prepare(`PRAGMA ${name}`).pluck().get();
}

describe('openConnections', () => {
  it('hardens both connections', () => {
    for (const which of ['reader', 'writer'] as const) {
      expect(pragma(which, 'trusted_schema'), which).toBe(0n);
      expect(pragma(which, 'temp_store'), which).toBe(2n);
      expect(pragma(which, 'busy_timeout'), which).toBe(1234n);
    }
    expect(pragma('reader', 'query_only')).toBe(1n);
    expect(pragma('writer', 'journal_mode')).toBe('wal');
    expect(pragma('writer', 'synchronous')).toBe(1n);
    expect(pragma('writer', 'query_only')).toBe(0n);
  });

  it('uses a rollback journal with full sync when asked', async () => {
    const file = join(dir, 'agent_y.db');
    await writeFile(file, '');
    const other = openConnections(file, { busyTimeoutMs: 10, journalMode: 'delete' });
    try {
      expect(other.writer.prepare('PRAGMA journal_mode').pluck().get()).toBe('delete');
      expect(other.writer.prepare('PRAGMA synchronous').pluck().get()).toBe(2n);
    } finally {
      other.reader.close();
      other.writer.close();
    }
  });

  it('opens the reader read-only: even its own writes fail', () => {
    expect(() => connections.reader.prepare('CREATE TABLE t (a)').run()).toThrow(/readonly|query_only/);
  });

  it('refuses writes to sqlite_schema (defensive mode)', () => {
    connections.writer.prepare('CREATE TABLE t (a)').run();
    connections.writer.prepare('PRAGMA writable_schema = ON').run();
    expect(() =>
      connections.writer.prepare("UPDATE sqlite_schema SET sql = 'x' WHERE name = 't'").run(),
    ).toThrow(/may not be modified/);
  });

  it('caps the file in pages with max_db_bytes, never below its current size', async () => {
    const file = join(dir, 'agent_z.db');
    await writeFile(file, '');
    const capped = openConnections(file, { busyTimeoutMs: 10, journalMode: 'wal', maxDbBytes: 1024 * 1024 });
    try {
      expect(capped.writer.prepare('PRAGMA max_page_count').pluck().get()).toBe(256n);
      capped.writer.prepare('CREATE TABLE t (b)').run();
      expect(() => capped.writer.prepare('INSERT INTO t VALUES (zeroblob(2000000))').run()).toThrow(
        'database or disk is full',
      );
      // SQLite never lowers the cap below the pages in use: an over-large file keeps its size.
      capped.writer.prepare('PRAGMA max_page_count = 1').run();
      expect(capped.writer.prepare('PRAGMA max_page_count').pluck().get()).toBe(
        capped.writer.prepare('PRAGMA page_count').pluck().get(),
      );
    } finally {
      capped.reader.close();
      capped.writer.close();
    }
  });

  it('shows why memory is capped from outside: the heap-limit pragmas do nothing in this build', () => {
    const { writer } = connections;
    writer.prepare('PRAGMA hard_heap_limit = 10000000').run();
    expect(writer.prepare('PRAGMA hard_heap_limit').pluck().get()).toBe(10000000n);
    // A 40 MB value under a 10 MB hard limit: built anyway (SQLITE_DEFAULT_MEMSTATUS=0).
    expect(writer.prepare('SELECT length(hex(zeroblob(20000000)))').pluck().get()).toBe(40000000n);
  });
});
