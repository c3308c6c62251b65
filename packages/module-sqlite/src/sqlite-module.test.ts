import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkModule, type ModuleHarness } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, openAgent, removeDir } from './__fixtures__/harness.js';
import { REFUSED } from './guard/messages.js';
import sqlite from './index.js';

let root: string;
let dbDir: string;
const open: ModuleHarness[] = [];

async function agent(options: Parameters<typeof openAgent>[1] = {}): Promise<ModuleHarness> {
  const h = await openAgent(dbDir, options);
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

describe('tool registration', () => {
  it('registers every tool without a mode and only query and list_tables in read mode', async () => {
    const writer = await agent();
    const reader = await agent({ mode: 'read' });
    expect([...writer.toolNames].sort()).toEqual([
      'sqlite_create_table',
      'sqlite_execute',
      'sqlite_list_tables',
      'sqlite_query',
    ]);
    expect([...reader.toolNames].sort()).toEqual(['sqlite_list_tables', 'sqlite_query']);
    expect((await reader.call('sqlite_execute', { sql: 'DELETE FROM t' })).isError).toBe(true);
  });
});

describe('query and execute', () => {
  it('runs DDL and DML through execute and reads rows back through query', async () => {
    const h = await agent();
    const create = await h.call('execute', { sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)' });
    expect(create.raw.structuredContent).toEqual({ changes: 0, last_insert_rowid: 0 });
    const insert = await h.call('execute', { sql: "INSERT INTO notes (body) VALUES ('first'), ('second')" });
    // The text is the reference's bare row count; the structured result adds the rowid.
    expect(insert.text).toBe('2');
    expect(insert.raw.structuredContent).toEqual({ changes: 2, last_insert_rowid: 2 });
    const rows = await h.call('query', { sql: 'SELECT id, body FROM notes ORDER BY id' });
    expect(rows.isError).toBe(false);
    expect(rows.json()).toEqual([
      { id: 1, body: 'first' },
      { id: 2, body: 'second' },
    ]);
  });

  it('binds positional parameters, keeping integers INTEGER and other numbers REAL', async () => {
    const h = await agent();
    await h.call('execute', { sql: 'CREATE TABLE v (a, b, c, d, e)' });
    const insert = await h.call('execute', {
      sql: 'INSERT INTO v VALUES (?, ?, ?, ?, ?)',
      params: [7, 1.5, 'text', null, true],
    });
    expect(insert.raw.structuredContent).toEqual({ changes: 1, last_insert_rowid: 1 });
    const rows = await h.call('query', {
      sql: 'SELECT typeof(a) ta, typeof(b) tb, typeof(c) tc, typeof(d) td, e FROM v WHERE a = ?',
      params: [7],
    });
    expect(rows.json()).toEqual([{ ta: 'integer', tb: 'real', tc: 'text', td: 'null', e: 1 }]);
  });

  it('binds named parameters with or without their prefix', async () => {
    const h = await agent();
    const rows = await h.call('query', {
      sql: 'SELECT :a AS a, @b AS b, $c AS c',
      params: { a: 1, '@b': 'two', $c: null },
    });
    expect(rows.json()).toEqual([{ a: 1, b: 'two', c: null }]);
  });

  it('reports parameter mistakes as input errors', async () => {
    const h = await agent();
    const missing = await h.call('query', { sql: 'SELECT :a AS a', params: { b: 1 } });
    expect(missing.isError).toBe(true);
    expect(missing.text).toBe('Missing named parameter "a"');
    const tooMany = await h.call('query', { sql: 'SELECT ? AS a', params: [1, 2] });
    expect(tooMany.text).toBe('Too many parameter values were provided');
  });

  it('round-trips BLOBs as {"$blob_base64": ...} and keeps large integers exact', async () => {
    const h = await agent();
    await h.call('execute', { sql: 'CREATE TABLE b (data BLOB, n INTEGER)' });
    await h.call('execute', {
      sql: 'INSERT INTO b VALUES (?, ?)',
      params: [{ $blob_base64: Buffer.from([0, 1, 2, 255]).toString('base64') }, 5],
    });
    await h.call('execute', { sql: 'INSERT INTO b VALUES (NULL, 9007199254740993)' });
    const rows = await h.call('query', { sql: 'SELECT data, n, length(data) AS len FROM b ORDER BY rowid' });
    expect(rows.json()).toEqual([
      { data: { $blob_base64: 'AAEC/w==' }, n: 5, len: 4 },
      { data: null, n: '9007199254740993', len: null },
    ]);
  });

  it('keeps a column named __proto__ as an ordinary key', async () => {
    const h = await agent();
    const rows = await h.call('query', { sql: 'SELECT 1 AS "__proto__", 2 AS constructor' });
    expect(rows.text).toBe('[{"__proto__":1,"constructor":2}]');
  });

  it('returns RETURNING rows from execute', async () => {
    const h = await agent();
    await h.call('execute', { sql: 'CREATE TABLE r (id INTEGER PRIMARY KEY, v TEXT)' });
    const out = await h.call('execute', { sql: "INSERT INTO r (v) VALUES ('x'), ('y') RETURNING id, v" });
    expect(out.json()).toEqual({
      changes: 2,
      last_insert_rowid: 2,
      rows: [
        { id: 1, v: 'x' },
        { id: 2, v: 'y' },
      ],
    });
    const select = await h.call('execute', { sql: 'SELECT count(*) AS n FROM r' });
    expect(select.json()).toEqual({ changes: 0, last_insert_rowid: 2, rows: [{ n: 2 }] });
  });

  it('allows plain VACUUM, DROP and ALTER in execute when the manifest allows DROP and VACUUM', async () => {
    const h = await agent({ config: { allow_drop: true, allow_vacuum: true } });
    await h.call('execute', { sql: 'CREATE TABLE d (a)' });
    expect((await h.call('execute', { sql: 'ALTER TABLE d ADD COLUMN b TEXT' })).isError).toBe(false);
    const vacuum = await h.call('execute', { sql: 'VACUUM' });
    expect(vacuum.text).toBe('0');
    expect((await h.call('execute', { sql: 'DROP TABLE d' })).isError).toBe(false);
    expect((await h.call('list_tables')).json()).toEqual([]);
  });

  it('accepts read-only pragmas and EXPLAIN QUERY PLAN in query', async () => {
    const h = await agent();
    await h.call('execute', { sql: 'CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT NOT NULL)' });
    const info = await h.call('query', { sql: 'PRAGMA table_info(p)' });
    expect(info.json<{ name: string }[]>().map((c) => c.name)).toEqual(['id', 'name']);
    expect((await h.call('query', { sql: 'pragma main.user_version;' })).json()).toEqual([
      { user_version: 0 },
    ]);
    const plan = await h.call('query', { sql: 'EXPLAIN QUERY PLAN SELECT * FROM p WHERE id = 1' });
    expect(plan.isError).toBe(false);
    expect(plan.json<{ detail: string }[]>()[0]?.detail).toContain('p');
  });

  it('reports SQL errors as input errors with SQLite message and no host path', async () => {
    const h = await agent();
    const syntax = await h.call('query', { sql: 'SELEC 1' });
    expect(syntax.isError).toBe(true);
    expect(syntax.text).toBe('near "SELEC": syntax error');
    const table = await h.call('query', { sql: 'SELECT * FROM nowhere' });
    expect(table.text).toBe('no such table: nowhere');
    await h.call('execute', { sql: 'CREATE TABLE u (id INTEGER PRIMARY KEY)' });
    await h.call('execute', { sql: 'INSERT INTO u VALUES (1)' });
    const dup = await h.call('execute', { sql: 'INSERT INTO u VALUES (1)' });
    expect(dup.text).toBe('UNIQUE constraint failed: u.id');
    for (const r of [syntax, table, dup]) expect(r.text).not.toContain(root);
  });

  it('refuses empty SQL and SQL containing NUL', async () => {
    const h = await agent();
    expect((await h.call('query', { sql: '  -- nothing\n' })).text).toBe(
      'The SQL text contains no statement',
    );
    const nul = await h.call('query', { sql: 'SELECT 1\0' });
    expect(nul.isError).toBe(true);
    expect(nul.text).toContain('NUL');
  });

  it('refuses writes through query with the read-only message', async () => {
    const h = await agent();
    await h.call('execute', { sql: 'CREATE TABLE w (a)' });
    const r = await h.call('query', { sql: 'INSERT INTO w VALUES (1)' });
    expect(r.text).toBe(REFUSED.readOnly);
    expect((await h.call('query', { sql: 'SELECT count(*) AS n FROM w' })).json()).toEqual([{ n: 0 }]);
  });

  it('serves a repeated statement from its cache and re-checks it after a schema change', async () => {
    const h = await agent({ config: { allow_drop: true } });
    await h.call('execute', { sql: 'CREATE TABLE c (a)' });
    const sql = 'SELECT count(*) AS n FROM c';
    expect((await h.call('query', { sql })).json()).toEqual([{ n: 0 }]);
    await h.call('execute', { sql: 'INSERT INTO c VALUES (1)' });
    expect((await h.call('query', { sql })).json()).toEqual([{ n: 1 }]);
    await h.call('execute', { sql: 'DROP TABLE c' });
    expect((await h.call('query', { sql })).text).toBe('no such table: c');
    await h.call('execute', { sql: 'CREATE TABLE c (a)' });
    expect((await h.call('query', { sql })).json()).toEqual([{ n: 0 }]);
  });
});

describe('caps', () => {
  it('refuses a query with more rows than max_rows, with the LIMIT hint', async () => {
    const h = await agent({ config: { max_rows: 3 } });
    const ok = await h.call('query', {
      sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3) SELECT x FROM c',
    });
    expect(ok.json()).toHaveLength(3);
    const r = await h.call('query', {
      sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c',
    });
    expect(r.isError).toBe(true);
    expect(r.text).toBe('query returned more than 3 rows; add LIMIT or narrow the WHERE clause');
  });

  it('refuses a query result larger than max_result_bytes', async () => {
    const h = await agent({ config: { max_result_bytes: 100 } });
    expect((await h.call('query', { sql: "SELECT 'short' AS s" })).isError).toBe(false);
    const r = await h.call('query', { sql: 'SELECT hex(zeroblob(200)) AS big' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/^query result is larger than 100 bytes;/);
  });

  it('truncates RETURNING rows in execute at the cap, reporting the write that happened', async () => {
    const h = await agent({ config: { max_rows: 2 } });
    await h.call('execute', { sql: 'CREATE TABLE t (a)' });
    const r = await h.call('execute', {
      sql: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5) INSERT INTO t SELECT x FROM c RETURNING a',
    });
    expect(r.json()).toEqual({
      changes: 5,
      last_insert_rowid: 5,
      rows_truncated: true,
      rows: [{ a: 1 }, { a: 2 }],
    });
    expect((await h.call('query', { sql: 'SELECT count(*) AS n FROM t' })).json()).toEqual([{ n: 5 }]);
  });
});

describe('list_tables', () => {
  it('lists table names sorted, without sqlite_ internals, views or indexes', async () => {
    const h = await agent();
    expect((await h.call('list_tables')).json()).toEqual([]);
    await h.call('execute', { sql: 'CREATE TABLE zeta (id INTEGER PRIMARY KEY AUTOINCREMENT)' });
    await h.call('execute', { sql: 'CREATE TABLE Alpha (a)' });
    await h.call('execute', { sql: 'CREATE INDEX alpha_a ON Alpha (a)' });
    await h.call('execute', { sql: 'CREATE VIEW beta AS SELECT 1' });
    await h.call('execute', { sql: 'ANALYZE' });
    expect((await h.call('list_tables')).json()).toEqual(['Alpha', 'zeta']);
  });
});

describe('create_table', () => {
  it('creates the table with normalised types and is idempotent', async () => {
    const h = await agent();
    const columns = { id: 'integer  primary\tkey', title: 'text not null', score: 'REAL', flag: 'boolean' };
    expect((await h.call('create_table', { name: 'items', columns })).json()).toBe(true);
    expect((await h.call('create_table', { name: 'items', columns })).json()).toBe(true);
    const sql = await h.call('query', { sql: "SELECT sql FROM sqlite_schema WHERE name = 'items'" });
    expect(sql.json()).toEqual([
      {
        sql: 'CREATE TABLE "items" ("id" INTEGER PRIMARY KEY, "title" TEXT NOT NULL, "score" REAL, "flag" BOOLEAN)',
      },
    ]);
    expect((await h.call('list_tables')).json()).toEqual(['items']);
  });

  it.each([
    ['', 'Invalid table name ""'],
    ['1abc', 'Invalid table name "1abc"'],
    ['a-b', 'Invalid table name "a-b"'],
    ['a b', 'Invalid table name "a b"'],
    ['t"; DROP TABLE x; --', 'Invalid table name'],
    ['t (x); ATTACH', 'Invalid table name'],
    ['x'.repeat(65), 'Invalid table name'],
    ['sqlite_master', "names starting with 'sqlite_' are reserved"],
    ['ébc', 'Invalid table name'],
  ])('refuses table name %j', async (name, message) => {
    const h = await agent();
    const r = await h.call('create_table', { name, columns: { a: 'TEXT' } });
    expect(r.isError).toBe(true);
    expect(r.text).toContain(message);
    expect((await h.call('list_tables')).json()).toEqual([]);
  });

  it.each([
    [{ 'a"': 'TEXT' }, 'Invalid column name'],
    [{ 'a) ; DROP TABLE t; --': 'TEXT' }, 'Invalid column name'],
    [{ a: 'TEXT); ATTACH DATABASE x AS y; --' }, 'Invalid type'],
    [{ a: "TEXT DEFAULT 'x'" }, 'Invalid type'],
    [{ a: 'VARCHAR(10)' }, 'Invalid type'],
    [{ a: 'TEXT CHECK (load_extension(1))' }, 'Invalid type'],
    [{ a: 'INTEGER GENERATED ALWAYS AS (1)' }, 'Invalid type'],
    [{}, 'at least one column'],
  ])('refuses columns %j', async (columns, message) => {
    const h = await agent();
    const r = await h.call('create_table', { name: 't', columns });
    expect(r.isError).toBe(true);
    expect(r.text).toContain(message);
    expect((await h.call('list_tables')).json()).toEqual([]);
  });

  it('reports SQLite refusals (two primary keys) as input errors', async () => {
    const h = await agent();
    const r = await h.call('create_table', {
      name: 't',
      columns: { a: 'INTEGER PRIMARY KEY', b: 'TEXT PRIMARY KEY' },
    });
    expect(r.isError).toBe(true);
    expect(r.text).toBe('table "t" has more than one primary key');
  });
});

describe('config', () => {
  it('rejects the legacy db_path with a pointer to db_dir', async () => {
    await expect(openAgent(dbDir, { config: { db_path: '/tmp/shared.db' } })).rejects.toThrow(
      "'db_path' is no longer supported; use 'db_dir' (one database file per agent)",
    );
  });

  it('rejects a missing db_dir and unknown keys', async () => {
    const { default: sqlite } = await import('./index.js');
    expect(sqlite.config.safeParse({}).success).toBe(false);
    expect(sqlite.config.safeParse({ db_dir: 'x', nope: 1 }).success).toBe(false);
    expect(sqlite.config.parse({ db_dir: 'x' })).toEqual({
      db_dir: 'x',
      max_rows: 1000,
      max_result_bytes: 1024 * 1024,
      journal_mode: 'wal',
      busy_timeout_ms: 5000,
      allow_drop: false,
      allow_vacuum: false,
      statement_timeout_ms: 30_000,
      max_db_bytes: 256 * 1024 * 1024,
      max_memory_bytes: 256 * 1024 * 1024,
    });
  });

  it('resolves a relative db_dir against the manifest directory, not the cwd', async () => {
    const { createModuleHarness } = await import('@scoped-mcp/testing');
    const { default: sqlite } = await import('./index.js');
    const h = await createModuleHarness(sqlite, {
      config: { db_dir: 'data' },
      agentId: 'rel',
      manifestDir: root,
    });
    open.push(h);
    expect((await readdir(join(root, 'data'))).filter((name) => name.endsWith('.db'))).toEqual([
      'agent_rel.db',
    ]);
  });
});

// `scoped-mcp validate` runs check instead of setup: what setup would refuse, found without creating anything.
describe('check', () => {
  it('accepts a db_dir that can be created, creating nothing', async () => {
    expect(await checkModule(sqlite, { config: { db_dir: dbDir } })).toEqual([]);
    expect(await readdir(root)).toEqual([]);
  });

  it('names db_dir when it is a file', async () => {
    await writeFile(dbDir, 'not a directory');
    expect(await checkModule(sqlite, { config: { db_dir: 'db' }, manifestDir: root })).toEqual([
      `config db_dir: '${dbDir}' exists and is not a directory (fix: remove or rename it, or choose another directory)`,
    ]);
  });
});
