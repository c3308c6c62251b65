import { join } from 'node:path';
import type { ModuleHarness } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, openAgent, removeDir } from './__fixtures__/harness.js';

/**
 * DROP and VACUUM in execute: refused unless the manifest allows them, as the reference implementation
 * refuses them. Decided from the compiled program, so no spelling gets past.
 */

let root: string;
let dbDir: string;
const open: ModuleHarness[] = [];

async function agent(options: Parameters<typeof openAgent>[1] = {}): Promise<ModuleHarness> {
  const h = await openAgent(dbDir, options);
  open.push(h);
  await h.call('execute', { sql: 'CREATE TABLE IF NOT EXISTS t (a, b)' });
  await h.call('execute', { sql: 'CREATE INDEX IF NOT EXISTS t_a ON t (a)' });
  await h.call('execute', { sql: 'CREATE VIEW IF NOT EXISTS v AS SELECT a FROM t' });
  await h.call('execute', {
    sql: 'CREATE TRIGGER IF NOT EXISTS g AFTER INSERT ON t BEGIN SELECT 1; END',
  });
  return h;
}

async function schema(h: ModuleHarness): Promise<string[]> {
  const rows = await h.call('query', { sql: 'SELECT type, name FROM sqlite_schema ORDER BY type, name' });
  return rows.json<{ type: string; name: string }[]>().map((r) => `${r.type}:${r.name}`);
}

const EVERYTHING = ['index:t_a', 'table:t', 'trigger:g', 'view:v'];

beforeEach(async () => {
  root = await makeTempDir();
  dbDir = join(root, 'db');
});

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  await removeDir(root);
});

const DROP = 'DROP statements are not allowed in sqlite_execute';
const VACUUM = 'VACUUM statements are not allowed in sqlite_execute';

describe('execute refuses DROP and VACUUM by default', () => {
  it.each([
    ['DROP TABLE t', DROP],
    ['DROP INDEX t_a', DROP],
    ['DROP VIEW v', DROP],
    ['DROP TRIGGER g', DROP],
    ['drop table t', DROP],
    ['DrOp TaBlE main.t', DROP],
    ['DROP/**/TABLE/**/t', DROP],
    ['DROP -- x\nTABLE t', DROP],
    ['/* first */ DROP TABLE IF EXISTS "t"', DROP],
    ['  ;; DROP INDEX [t_a];', DROP],
    ['DROP VIEW IF EXISTS `v`', DROP],
    ['VACUUM', VACUUM],
    ['vacuum', VACUUM],
    ['VACUUM main', VACUUM],
    ['/**/ VaCuUm /**/ "main" -- x', VACUUM],
    ['VACUUM\n;', VACUUM],
  ])('%j', async (sql, message) => {
    const h = await agent();
    const r = await h.call('execute', { sql });
    expect(r.isError).toBe(true);
    expect(r.text).toBe(message);
    expect(h.audit.at(-1)?.event).toBe('scope_violation');
    expect(await schema(h)).toEqual(EVERYTHING);
  });

  it('names the tool of the instance in the message', async () => {
    const { createModuleHarness } = await import('@scoped-mcp/testing');
    const { default: sqlite } = await import('./index.js');
    const notes = await createModuleHarness(sqlite, { config: { db_dir: dbDir }, instance: 'notes' });
    open.push(notes);
    await notes.call('execute', { sql: 'CREATE TABLE t (a)' });
    expect((await notes.call('notes_execute', { sql: 'DROP TABLE t' })).text).toBe(
      'DROP statements are not allowed in notes_execute',
    );
    expect((await notes.call('list_tables')).json()).toEqual(['t']);
  });

  it('keeps the stricter refusals, and what only looks like a DROP or VACUUM', async () => {
    const h = await agent();
    expect((await h.call('execute', { sql: "VACUUM INTO 'elsewhere.db'" })).text).toBe(
      'VACUUM INTO is not allowed: it writes a copy of the database to another file',
    );
    // Not DROP statements: a column dropped by ALTER TABLE, and statements merely describing one.
    expect((await h.call('execute', { sql: 'ALTER TABLE t DROP COLUMN b' })).isError).toBe(false);
    expect((await h.call('execute', { sql: 'EXPLAIN DROP TABLE t' })).isError).toBe(false);
    expect((await h.call('query', { sql: "SELECT 'DROP TABLE t' AS s" })).json()).toEqual([
      { s: 'DROP TABLE t' },
    ]);
    expect(await schema(h)).toEqual(EVERYTHING);
  });

  it('lets a DROP or VACUUM that compiles to nothing through: nothing is dropped', async () => {
    const h = await agent();
    expect((await h.call('execute', { sql: 'DROP TABLE IF EXISTS nowhere' })).isError).toBe(false);
    expect((await h.call('execute', { sql: 'VACUUM temp' })).isError).toBe(false);
    expect(await schema(h)).toEqual(EVERYTHING);
  });
});

describe('allow_drop and allow_vacuum', () => {
  it('run DROP and VACUUM when the manifest allows them', async () => {
    const h = await agent({ config: { allow_drop: true, allow_vacuum: true } });
    expect((await h.call('execute', { sql: 'VACUUM' })).isError).toBe(false);
    for (const sql of ['DROP TRIGGER g', 'DROP VIEW v', 'DROP INDEX t_a', 'DROP TABLE t']) {
      expect((await h.call('execute', { sql })).isError, sql).toBe(false);
    }
    expect(await schema(h)).toEqual([]);
  });

  it('allow one without the other', async () => {
    const dropper = await agent({ config: { allow_drop: true } });
    expect((await dropper.call('execute', { sql: 'VACUUM' })).text).toBe(VACUUM);
    expect((await dropper.call('execute', { sql: 'DROP VIEW v' })).isError).toBe(false);
    const vacuumer = await agent({ agentId: 'agent-b', config: { allow_vacuum: true } });
    expect((await vacuumer.call('execute', { sql: 'VACUUM' })).isError).toBe(false);
    expect((await vacuumer.call('execute', { sql: 'DROP VIEW v' })).text).toBe(DROP);
  });

  it('are booleans, false by default', async () => {
    const { default: sqlite } = await import('./index.js');
    expect(sqlite.config.parse({ db_dir: 'x' })).toMatchObject({ allow_drop: false, allow_vacuum: false });
    expect(sqlite.config.safeParse({ db_dir: 'x', allow_drop: 'yes' }).success).toBe(false);
  });
});
