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
});
