import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModuleHarness } from '@scoped-mcp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ESCAPE_PREFIX,
  makeTempDir,
  openAgent,
  removeDir,
  snapshot,
  strayEscapeFiles,
} from './__fixtures__/harness.js';
import { pragmaNotAllowed, pragmaReadOnly, REFUSED } from './guard/messages.js';

/**
 * Every way we know to make a statement reach a file other than the agent's own database, or to leave
 * state behind that could. Each is refused; after each, no file anywhere under the test root changed, no
 * file with the escape prefix appeared (test root, cwd, system temp), nothing got attached, and the other
 * agent's secret never appears in the answer.
 */

const SECRET = 'TOP-SECRET-42';
type Tool = 'query' | 'execute';
type Outcome = { readonly scope: string } | { readonly input: string } | 'harmless';

interface Attack {
  readonly name: string;
  readonly sql: string;
  readonly params?: unknown;
  readonly tools: readonly Tool[];
  readonly outcome: Outcome;
}

let root: string;
let dbDir: string;
let outside: string;
let victimFile: string;
let writer: ModuleHarness;
let reader: ModuleHarness;

const BOTH: readonly Tool[] = ['query', 'execute'];
const QUERY: readonly Tool[] = ['query'];
const EXECUTE: readonly Tool[] = ['execute'];
const BEFORE_PATHS = '__VICTIM__';
const PRAGMAS_ALLOWED_MARK = 'is not allowed; allowed are the read-only pragmas';

// Paths are substituted once the temp root exists; attack text refers to them by these markers.
const V = BEFORE_PATHS;
const O = '__OUTSIDE__';
const E = ESCAPE_PREFIX;

const attacks: readonly Attack[] = [
  // ATTACH, every spelling: refused from the compiled program (sqlite_attach) and before it.
  { name: 'ATTACH plain', sql: `ATTACH '${V}' AS v`, tools: BOTH, outcome: { scope: REFUSED.attach } },
  {
    name: 'attach database, lower case',
    sql: `attach database '${V}' as v`,
    tools: BOTH,
    outcome: { scope: REFUSED.attach },
  },
  {
    name: 'AtTaCh, mixed case',
    sql: `AtTaCh DaTaBaSe '${V}' aS v`,
    tools: BOTH,
    outcome: { scope: REFUSED.attach },
  },
  {
    name: 'ATTACH with comments between tokens',
    sql: `ATTACH/**/'${V}'/**/AS/**/v`,
    tools: BOTH,
    outcome: { scope: REFUSED.attach },
  },
  {
    name: 'ATTACH after newlines and comments',
    sql: `\n\n  -- a comment first\n/* and a block */\tATTACH '${V}' AS v`,
    tools: BOTH,
    outcome: { scope: REFUSED.attach },
  },
  {
    name: 'ATTACH after empty statements',
    sql: `;; ATTACH '${V}' AS v`,
    tools: BOTH,
    outcome: { scope: REFUSED.attach },
  },
  {
    name: 'ATTACH with an expression filename',
    sql: `ATTACH '${O}/${E}expr' || '.db' AS v`,
    tools: BOTH,
    outcome: { scope: REFUSED.attach },
  },
  {
    name: "ATTACH ':memory:'",
    sql: `ATTACH ':memory:' AS m`,
    tools: BOTH,
    outcome: { scope: REFUSED.attach },
  },
  {
    name: 'ATTACH a file: URI',
    sql: `ATTACH 'file:${V}?mode=ro' AS v`,
    tools: BOTH,
    outcome: { scope: REFUSED.attach },
  },
  {
    name: 'ATTACH a relative name (cwd)',
    sql: `ATTACH '${E}relative.db' AS v`,
    tools: BOTH,
    outcome: { scope: REFUSED.attach },
  },
  {
    name: 'ATTACH a "quoted identifier" as filename',
    sql: `ATTACH "${V}" AS v`,
    tools: BOTH,
    outcome: { scope: REFUSED.attach },
  },
  {
    name: 'ATTACH a bound positional filename',
    sql: 'ATTACH ? AS v',
    params: [V],
    tools: BOTH,
    outcome: { scope: REFUSED.attach },
  },
  {
    name: 'ATTACH a bound named filename',
    sql: 'ATTACH :f AS v',
    params: { f: `${O}/${E}named.db` },
    tools: BOTH,
    outcome: { scope: REFUSED.attach },
  },
  {
    name: 'ATTACH with KEY',
    sql: `ATTACH DATABASE '${V}' AS v KEY 'k'`,
    tools: BOTH,
    outcome: { scope: REFUSED.attach },
  },
  { name: 'DETACH', sql: 'DETACH DATABASE main', tools: BOTH, outcome: { scope: REFUSED.attach } },
  { name: 'DETACH short form', sql: 'detach v', tools: BOTH, outcome: { scope: REFUSED.attach } },

  // A second statement, however hidden: prepare() compiles only one and refuses the rest.
  {
    name: 'second statement ATTACH',
    sql: `SELECT 1; ATTACH '${V}' AS v`,
    tools: BOTH,
    outcome: { scope: REFUSED.multiple },
  },
  {
    name: 'second statement after a block comment',
    sql: `SELECT 1 /* */; ATTACH '${V}' AS v`,
    tools: BOTH,
    outcome: { scope: REFUSED.multiple },
  },
  {
    name: 'second statement after a line comment',
    sql: 'SELECT 1; -- \n DROP TABLE t',
    tools: BOTH,
    outcome: { scope: REFUSED.multiple },
  },
  {
    name: "second statement after a string holding ';'",
    sql: `SELECT 'a;b' AS s; ATTACH '${V}' AS v`,
    tools: BOTH,
    outcome: { scope: REFUSED.multiple },
  },
  {
    name: 'second statement VACUUM INTO',
    sql: `SELECT 1;\n/* c */ VACUUM INTO '${O}/${E}multi.db'`,
    tools: BOTH,
    outcome: { scope: REFUSED.multiple },
  },
  { name: 'text after a NUL', sql: `SELECT 1\0; ATTACH '${V}' AS v`, tools: BOTH, outcome: { input: 'NUL' } },

  // VACUUM INTO writes a copy anywhere; it even works on a read-only connection.
  {
    name: 'VACUUM INTO',
    sql: `VACUUM INTO '${O}/${E}vac.db'`,
    tools: BOTH,
    outcome: { scope: REFUSED.vacuumInto },
  },
  {
    name: 'VACUUM main INTO',
    sql: `VACUUM main INTO '${O}/${E}vac2.db'`,
    tools: BOTH,
    outcome: { scope: REFUSED.vacuumInto },
  },
  {
    name: 'vacuum/**/into',
    sql: `vacuum/**/into '${O}/${E}vac3.db'`,
    tools: BOTH,
    outcome: { scope: REFUSED.vacuumInto },
  },
  {
    name: 'VACUUM INTO a bound filename',
    sql: 'VACUUM INTO ?',
    params: [`${O}/${E}vac4.db`],
    tools: BOTH,
    outcome: { scope: REFUSED.vacuumInto },
  },
  {
    name: 'VACUUM INTO an expression',
    sql: `VACUUM INTO ('${O}/${E}' || 'vac5.db')`,
    tools: BOTH,
    outcome: { scope: REFUSED.vacuumInto },
  },
  {
    name: 'VACUUM INTO a relative name (cwd)',
    sql: `VACUUM INTO '${E}vac6.db'`,
    tools: BOTH,
    outcome: { scope: REFUSED.vacuumInto },
  },
  {
    name: 'VACUUM INTO after empty statements',
    sql: `/* ; */ ;\n; VACUUM INTO '${O}/${E}vac8.db'`,
    tools: BOTH,
    outcome: { scope: REFUSED.vacuumInto },
  },
  // SQLite compiles this to an empty program: nothing is written anywhere.
  {
    name: 'VACUUM temp INTO',
    sql: `VACUUM temp INTO '${O}/${E}vac7.db'`,
    tools: EXECUTE,
    outcome: 'harmless',
  },

  // Extensions and raw pointers.
  {
    name: 'load_extension',
    sql: `SELECT load_extension('${O}/${E}ext.so')`,
    tools: BOTH,
    outcome: { scope: REFUSED.loadExtension },
  },
  {
    name: 'load_extension in a subquery, bound',
    sql: 'SELECT (SELECT load_extension(?)) AS x',
    params: ['x'],
    tools: BOTH,
    outcome: { scope: REFUSED.loadExtension },
  },
  {
    name: 'LOAD_EXTENSION with entry point',
    sql: "SELECT LOAD_EXTENSION('x', 'init')",
    tools: BOTH,
    outcome: { scope: REFUSED.loadExtension },
  },
  {
    name: 'fts3_tokenizer pointer',
    sql: "SELECT fts3_tokenizer('simple') AS p",
    tools: BOTH,
    outcome: { scope: REFUSED.fts3Tokenizer },
  },

  // PRAGMA acts while compiling: refused by its text before prepare().
  {
    name: 'PRAGMA journal_mode=WAL',
    sql: 'PRAGMA journal_mode=WAL',
    tools: BOTH,
    outcome: { scope: PRAGMAS_ALLOWED_MARK },
  },
  {
    name: 'PRAGMA user_version=5',
    sql: 'PRAGMA user_version=5',
    tools: BOTH,
    outcome: { scope: pragmaReadOnly('user_version') },
  },
  {
    name: 'PRAGMA user_version(5)',
    sql: 'PRAGMA user_version(5)',
    tools: BOTH,
    outcome: { scope: pragmaReadOnly('user_version') },
  },
  {
    name: 'PRAGMA writable_schema=1',
    sql: 'PRAGMA writable_schema=1',
    tools: BOTH,
    outcome: { scope: PRAGMAS_ALLOWED_MARK },
  },
  {
    name: 'PRAGMA trusted_schema=ON',
    sql: 'PRAGMA trusted_schema=ON',
    tools: BOTH,
    outcome: { scope: PRAGMAS_ALLOWED_MARK },
  },
  {
    name: 'PRAGMA temp_store_directory',
    sql: `PRAGMA temp_store_directory = '${O}'`,
    tools: BOTH,
    outcome: { scope: PRAGMAS_ALLOWED_MARK },
  },
  {
    name: 'PRAGMA after empty statements',
    sql: ';;PRAGMA trusted_schema=ON',
    tools: BOTH,
    outcome: { scope: PRAGMAS_ALLOWED_MARK },
  },
  {
    name: "PRAGMA 'quoted'(1)",
    sql: "PRAGMA 'trusted_schema'(1)",
    tools: BOTH,
    outcome: { scope: PRAGMAS_ALLOWED_MARK },
  },
  {
    name: 'PRAGMA schema-qualified after a comment',
    sql: '/* x */ pragma main.journal_mode = OFF',
    tools: BOTH,
    outcome: { scope: PRAGMAS_ALLOWED_MARK },
  },
  {
    name: 'PRAGMA locking_mode',
    sql: 'PRAGMA locking_mode = EXCLUSIVE',
    tools: BOTH,
    outcome: { scope: PRAGMAS_ALLOWED_MARK },
  },
  {
    name: 'PRAGMA query_only=OFF',
    sql: 'PRAGMA query_only = OFF',
    tools: BOTH,
    outcome: { scope: PRAGMAS_ALLOWED_MARK },
  },
  {
    name: 'PRAGMA hard_heap_limit',
    sql: 'PRAGMA hard_heap_limit = 1',
    tools: BOTH,
    outcome: { scope: PRAGMAS_ALLOWED_MARK },
  },
  {
    name: 'PRAGMA table_info = x',
    sql: 'PRAGMA table_info = t',
    tools: BOTH,
    outcome: { scope: pragmaReadOnly('table_info') },
  },
  {
    name: 'EXPLAIN PRAGMA',
    sql: 'EXPLAIN PRAGMA trusted_schema=ON',
    tools: BOTH,
    outcome: { scope: REFUSED.explainPragma },
  },

  // The database file's host path.
  {
    name: 'PRAGMA database_list',
    sql: 'PRAGMA database_list',
    tools: BOTH,
    outcome: { scope: pragmaNotAllowedPrefix() },
  },
  {
    name: 'pragma_database_list',
    sql: 'SELECT file FROM pragma_database_list',
    tools: BOTH,
    outcome: { scope: REFUSED.hiddenPath },
  },
  {
    name: "'pragma_database_list' as a string",
    sql: "SELECT * FROM 'pragma_database_list'",
    tools: BOTH,
    outcome: { scope: REFUSED.hiddenPath },
  },
  {
    name: '"PRAGMA_DATABASE_LIST" quoted, qualified',
    sql: 'SELECT * FROM main."PRAGMA_DATABASE_LIST"',
    tools: BOTH,
    outcome: { scope: REFUSED.hiddenPath },
  },
  {
    name: '[pragma_database_list] bracketed',
    sql: 'SELECT * FROM [pragma_database_list]',
    tools: BOTH,
    outcome: { scope: REFUSED.hiddenPath },
  },

  // Writes through the read tool.
  {
    name: 'CTE that inserts',
    sql: 'WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x',
    tools: QUERY,
    outcome: { scope: REFUSED.readOnly },
  },
  {
    name: 'INSERT ... RETURNING',
    sql: 'INSERT INTO t VALUES (1) RETURNING *',
    tools: QUERY,
    outcome: { scope: REFUSED.readOnly },
  },
  { name: 'INSERT', sql: 'INSERT INTO t VALUES (1)', tools: QUERY, outcome: { scope: REFUSED.readOnly } },
  { name: 'UPDATE', sql: 'UPDATE t SET a = 2', tools: QUERY, outcome: { scope: REFUSED.readOnly } },
  { name: 'DELETE', sql: 'DELETE FROM t', tools: QUERY, outcome: { scope: REFUSED.readOnly } },
  { name: 'DROP TABLE', sql: 'DROP TABLE t', tools: QUERY, outcome: { scope: REFUSED.readOnly } },
  { name: 'CREATE TABLE', sql: 'CREATE TABLE z (a)', tools: QUERY, outcome: { scope: REFUSED.readOnly } },
  { name: 'REPLACE', sql: 'REPLACE INTO t VALUES (3)', tools: QUERY, outcome: { scope: REFUSED.readOnly } },
  {
    name: 'ALTER TABLE',
    sql: 'ALTER TABLE t RENAME TO u',
    tools: QUERY,
    outcome: { scope: REFUSED.readOnly },
  },
  { name: 'ANALYZE', sql: 'ANALYZE', tools: QUERY, outcome: { scope: REFUSED.readOnly } },
  { name: 'plain VACUUM', sql: 'VACUUM', tools: QUERY, outcome: { scope: REFUSED.readOnly } },
  {
    name: 'REINDEX',
    sql: 'REINDEX',
    tools: QUERY,
    outcome: { input: 'query runs statements that return rows' },
  },

  // State that would outlive the call on the long-lived connections.
  {
    name: 'TEMP TRIGGER calling load_extension',
    sql: "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT load_extension('x'); END",
    tools: BOTH,
    outcome: { scope: REFUSED.temp },
  },
  {
    name: 'TEMP TRIGGER copying rows',
    sql: 'CREATE TEMPORARY TRIGGER tr2 AFTER INSERT ON t BEGIN DELETE FROM t; END',
    tools: BOTH,
    outcome: { scope: REFUSED.temp },
  },
  {
    name: 'TEMP TABLE',
    sql: 'CREATE TEMP TABLE tt AS SELECT * FROM t',
    tools: BOTH,
    outcome: { scope: REFUSED.temp },
  },
  { name: 'temp.table', sql: 'CREATE TABLE temp.tt (a)', tools: BOTH, outcome: { scope: REFUSED.temp } },
  {
    name: 'TEMP VIEW',
    sql: 'CREATE TEMP VIEW tv AS SELECT 1',
    tools: BOTH,
    outcome: { scope: REFUSED.temp },
  },
  { name: 'BEGIN', sql: 'BEGIN', tools: BOTH, outcome: { scope: REFUSED.transaction } },
  {
    name: 'BEGIN IMMEDIATE',
    sql: 'BEGIN IMMEDIATE TRANSACTION',
    tools: BOTH,
    outcome: { scope: REFUSED.transaction },
  },
  { name: 'COMMIT', sql: 'COMMIT', tools: BOTH, outcome: { scope: REFUSED.transaction } },
  { name: 'END', sql: 'END', tools: BOTH, outcome: { scope: REFUSED.transaction } },
  { name: 'ROLLBACK', sql: 'ROLLBACK', tools: BOTH, outcome: { scope: REFUSED.transaction } },
  { name: 'SAVEPOINT', sql: 'SAVEPOINT s', tools: BOTH, outcome: { scope: REFUSED.transaction } },
  { name: 'RELEASE', sql: 'RELEASE s', tools: BOTH, outcome: { scope: REFUSED.transaction } },

  // Other ways to read or write a file: none exists in this build.
  {
    name: 'readfile()',
    sql: `SELECT readfile('${V}')`,
    tools: BOTH,
    outcome: { input: 'no such function: readfile' },
  },
  {
    name: 'writefile()',
    sql: `SELECT writefile('${O}/${E}w.txt', 'x')`,
    tools: BOTH,
    outcome: { input: 'no such function: writefile' },
  },
  {
    name: 'edit()',
    sql: "SELECT edit('x', 'vi')",
    tools: BOTH,
    outcome: { input: 'no such function: edit' },
  },
  {
    name: 'fsdir()',
    sql: `SELECT * FROM fsdir('${O}')`,
    tools: BOTH,
    outcome: { input: 'no such table: fsdir' },
  },
  {
    name: 'zipfile()',
    sql: `SELECT * FROM zipfile('${V}')`,
    tools: BOTH,
    outcome: { input: 'no such table: zipfile' },
  },
  {
    name: 'sqlite_dbpage',
    sql: 'SELECT * FROM sqlite_dbpage',
    tools: BOTH,
    outcome: { input: 'no such table: sqlite_dbpage' },
  },
  {
    name: 'csv virtual table on the other file',
    sql: `CREATE VIRTUAL TABLE c USING csv(filename='${V}')`,
    tools: EXECUTE,
    outcome: { input: 'no such module: csv' },
  },
  {
    name: 'the other agent by schema name',
    sql: 'SELECT * FROM victim.secrets',
    tools: BOTH,
    outcome: { input: 'no such table: victim.secrets' },
  },
];

function pragmaNotAllowedPrefix(): string {
  return pragmaNotAllowed('database_list', []).replace(/ $/, '');
}

function substitute(text: string): string {
  return text.replaceAll(BEFORE_PATHS, victimFile).replaceAll(O, outside);
}

function substituteParams(params: unknown): unknown {
  if (params === undefined) return undefined;
  return JSON.parse(substitute(JSON.stringify(params)));
}

beforeAll(async () => {
  root = await makeTempDir('smcp-sqlite-attacks-');
  dbDir = join(root, 'db');
  outside = join(root, 'outside');
  await mkdir(outside);
  const victim = await openAgent(dbDir, { agentId: 'victim' });
  await victim.call('execute', { sql: 'CREATE TABLE secrets (s TEXT)' });
  await victim.call('execute', { sql: 'INSERT INTO secrets VALUES (?)', params: [SECRET] });
  await victim.close();
  victimFile = join(dbDir, 'agent_victim.db');
  writer = await openAgent(dbDir, { agentId: 'attacker' });
  reader = await openAgent(dbDir, { agentId: 'attacker', mode: 'read' });
  await writer.call('execute', { sql: 'CREATE TABLE t (a)' });
  await writer.call('execute', { sql: 'INSERT INTO t VALUES (1)' });
});

afterAll(async () => {
  await writer?.close();
  await reader?.close();
  await removeDir(root);
});

/** Cleans up after a test through an instance whose manifest allows DROP (the attacked one refuses it). */
async function dropAsOwner(sql: string): Promise<void> {
  const owner = await openAgent(dbDir, { agentId: 'attacker', config: { allow_drop: true } });
  try {
    expect((await owner.call('execute', { sql })).isError).toBe(false);
  } finally {
    await owner.close();
  }
}

const cases = attacks.flatMap((attack) => attack.tools.map((tool) => ({ ...attack, tool })));

describe('SQL escape attempts', () => {
  it('has at least 20 distinct attacks', () => {
    expect(new Set(attacks.map((a) => a.sql)).size).toBe(attacks.length);
    expect(attacks.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('$tool: $name', async ({ tool, sql, params, outcome }) => {
    // query is also tried through a read-mode instance; execute exists only in write mode.
    const harnesses = tool === 'query' ? [reader, writer] : [writer];
    for (const h of harnesses) {
      const before = await snapshot(root);
      const args =
        params === undefined
          ? { sql: substitute(sql) }
          : { sql: substitute(sql), params: substituteParams(params) };
      const result = await h.call(tool, args);
      if (outcome === 'harmless') {
        expect(result.isError, result.text).toBe(false);
      } else {
        expect(result.isError, result.text).toBe(true);
        if ('scope' in outcome) {
          expect(result.text).toContain(outcome.scope);
          expect(h.audit.at(-1)?.event).toBe('scope_violation');
        } else {
          expect(result.text).toContain(outcome.input);
        }
      }
      expect(result.text).not.toContain(SECRET);
      expect(result.text).not.toContain(root);
      expect(result.text.split('\n')).toHaveLength(1);
      expect(await snapshot(root)).toEqual(before);
      expect(await strayEscapeFiles([root, outside, dbDir, process.cwd(), tmpdir()])).toEqual([]);
    }
  });

  it('left nothing attached and no state behind', async () => {
    for (const schema of ['v', 'm']) {
      const r = await writer.call('query', { sql: `SELECT name FROM ${schema}.sqlite_schema` });
      expect(r.text).toBe(`no such table: ${schema}.sqlite_schema`);
    }
    expect(
      (await writer.call('query', { sql: 'SELECT count(*) AS n FROM temp.sqlite_schema' })).json(),
    ).toEqual([{ n: 0 }]);
    // No temp trigger: an insert fires nothing.
    expect((await writer.call('execute', { sql: 'INSERT INTO t VALUES (2)' })).isError).toBe(false);
    expect((await writer.call('query', { sql: 'SELECT count(*) AS n FROM t' })).json()).toEqual([{ n: 2 }]);
    expect((await writer.call('list_tables')).json()).toEqual(['t']);
  });

  it('refuses load_extension hidden in a view when the view is used (SQLite: direct-only)', async () => {
    expect(
      (await writer.call('execute', { sql: "CREATE VIEW lv AS SELECT load_extension('x') AS x" })).isError,
    ).toBe(false);
    try {
      for (const h of [reader, writer]) {
        const r = await h.call('query', { sql: 'SELECT * FROM lv' });
        // SQLite refuses it itself (a direct-only function may not run from the schema) while compiling.
        expect(r.text).toBe('unsafe use of load_extension()');
        expect(h.audit.at(-1)?.event).toBe('scope_violation');
      }
    } finally {
      await dropAsOwner('DROP VIEW lv');
    }
  });

  it('refuses load_extension hidden in a trigger when it would fire (SQLite: direct-only)', async () => {
    const create = "CREATE TRIGGER lt AFTER INSERT ON t BEGIN SELECT load_extension('x'); END";
    expect((await writer.call('execute', { sql: create })).isError).toBe(false);
    try {
      const r = await writer.call('execute', { sql: 'INSERT INTO t VALUES (3)' });
      expect(r.text).toBe('unsafe use of load_extension()');
    } finally {
      await dropAsOwner('DROP TRIGGER lt');
    }
    expect((await writer.call('query', { sql: 'SELECT count(*) AS n FROM t' })).json()).toEqual([{ n: 2 }]);
  });
});
