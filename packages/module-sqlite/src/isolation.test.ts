import { chmod, mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModuleHarness } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, modeOf, openAgent, removeDir } from './__fixtures__/harness.js';

let root: string;
let dbDir: string;
const open: ModuleHarness[] = [];

async function agent(agentId: string, mode?: 'read' | 'write'): Promise<ModuleHarness> {
  const h = await openAgent(dbDir, mode ? { agentId, mode } : { agentId });
  open.push(h);
  return h;
}

beforeEach(async () => {
  root = await makeTempDir();
  dbDir = join(root, 'nested', 'db');
});

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  await removeDir(root);
});

describe('one database per agent', () => {
  it('names the file agent_<id>.db, creates db_dir 0700 and the file 0600', async () => {
    const h = await agent('research-01');
    await h.call('execute', { sql: 'CREATE TABLE t (a)' });
    // The WAL files sit next to the database and take its mode.
    expect((await readdir(dbDir)).sort()).toEqual([
      'agent_research-01.db',
      'agent_research-01.db-shm',
      'agent_research-01.db-wal',
    ]);
    expect(await modeOf(dbDir)).toBe(0o700);
    for (const name of await readdir(dbDir)) expect(await modeOf(join(dbDir, name)), name).toBe(0o600);
  });

  it('sets 0700 and 0600 exactly, whatever the umask', async () => {
    // Only db_dir itself is made under the umask (a parent made 0500 could not be cleaned up without root).
    await mkdir(join(root, 'nested'));
    const previous = process.umask(0o277);
    try {
      await agent('masked');
    } finally {
      process.umask(previous);
    }
    expect(await modeOf(dbDir)).toBe(0o700);
    expect(await modeOf(join(dbDir, 'agent_masked.db'))).toBe(0o600);
  });

  it('keeps two agents apart: neither sees the other rows or tables', async () => {
    const a = await agent('agent-a');
    const b = await agent('agent-b');
    await a.call('create_table', { name: 'notes', columns: { body: 'TEXT' } });
    await a.call('execute', { sql: "INSERT INTO notes VALUES ('only for a')" });
    await b.call('create_table', { name: 'notes', columns: { body: 'TEXT' } });
    await b.call('execute', { sql: "INSERT INTO notes VALUES ('only for b')" });
    await b.call('create_table', { name: 'b_private', columns: { x: 'INTEGER' } });
    expect((await a.call('query', { sql: 'SELECT body FROM notes' })).json()).toEqual([
      { body: 'only for a' },
    ]);
    expect((await b.call('query', { sql: 'SELECT body FROM notes' })).json()).toEqual([
      { body: 'only for b' },
    ]);
    expect((await a.call('list_tables')).json()).toEqual(['notes']);
    expect((await b.call('list_tables')).json()).toEqual(['b_private', 'notes']);
    expect((await a.call('query', { sql: 'SELECT * FROM b_private' })).text).toBe('no such table: b_private');
    expect((await readdir(dbDir)).filter((name) => name.endsWith('.db')).sort()).toEqual([
      'agent_agent-a.db',
      'agent_agent-b.db',
    ]);
  });

  it('uses a rollback journal when journal_mode is delete: no WAL files', async () => {
    const h = await openAgent(dbDir, { agentId: 'nfs', config: { journal_mode: 'delete' } });
    open.push(h);
    await h.call('execute', { sql: 'CREATE TABLE t (a)' });
    expect(await readdir(dbDir)).toEqual(['agent_nfs.db']);
  });

  it('keeps data across instances of the same agent', async () => {
    const first = await openAgent(dbDir, { agentId: 'keeper' });
    await first.call('execute', { sql: 'CREATE TABLE kept (v TEXT)' });
    await first.call('execute', { sql: "INSERT INTO kept VALUES ('still here')" });
    await first.close();
    const second = await agent('keeper', 'read');
    expect((await second.call('query', { sql: 'SELECT v FROM kept' })).json()).toEqual([{ v: 'still here' }]);
  });

  it('sees writes of the write connection at once on the read connection', async () => {
    const h = await agent('fresh');
    await h.call('execute', { sql: 'CREATE TABLE f (v)' });
    for (let i = 1; i <= 3; i++) {
      await h.call('execute', { sql: 'INSERT INTO f VALUES (?)', params: [i] });
      expect((await h.call('query', { sql: 'SELECT count(*) AS n FROM f' })).json()).toEqual([{ n: i }]);
    }
  });

  it('leaves an existing db_dir mode alone but warns when others can enter it', async () => {
    await mkdir(dbDir, { recursive: true });
    await chmod(dbDir, 0o755);
    const h = await agent('warned');
    expect(await modeOf(dbDir)).toBe(0o755);
    expect(await modeOf(join(dbDir, 'agent_warned.db'))).toBe(0o600);
    expect(h.ops.some((r) => r.event === 'sqlite db_dir is accessible to other users; chmod 700 it')).toBe(
      true,
    );
  });

  it('tightens an existing database file to 0600', async () => {
    await mkdir(dbDir, { recursive: true, mode: 0o700 });
    await writeFile(join(dbDir, 'agent_loose.db'), '');
    await chmod(join(dbDir, 'agent_loose.db'), 0o644);
    await agent('loose');
    expect(await modeOf(join(dbDir, 'agent_loose.db'))).toBe(0o600);
  });

  it('refuses to follow a symlink planted as the database file', async () => {
    await mkdir(dbDir, { recursive: true, mode: 0o700 });
    const target = join(root, 'elsewhere.db');
    await writeFile(target, '');
    await symlink(target, join(dbDir, 'agent_linked.db'));
    await expect(openAgent(dbDir, { agentId: 'linked' })).rejects.toThrow(/module setup failed/);
  });
});
