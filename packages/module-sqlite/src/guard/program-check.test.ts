import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../driver.js';
import { REFUSED } from './messages.js';
import { checkProgram, statementKind } from './program-check.js';

/** The compiled-program check alone, on the engine's real EXPLAIN output (BigInt operands, as in production). */
let db: SqliteDatabase;

beforeAll(() => {
  db = openDatabase(':memory:', {});
  db.defaultSafeIntegers(true);
  db.prepare('CREATE TABLE t (a)').run();
});

afterAll(() => {
  db.close();
});

const check = (sql: string) => () => checkProgram(db.explain(sql));

describe('checkProgram', () => {
  it.each([
    ["ATTACH 'x' AS y", REFUSED.attach],
    ["/* */ attach/**/('a' || 'b') as y", REFUSED.attach],
    ['DETACH y', REFUSED.attach],
    ["VACUUM INTO 'x'", REFUSED.vacuumInto],
    ['VACUUM main INTO ?', REFUSED.vacuumInto],
    ["SELECT 1 WHERE load_extension('x') IS NULL", REFUSED.loadExtension],
    ["SELECT count(*) FROM t GROUP BY fts3_tokenizer('simple')", REFUSED.fts3Tokenizer],
    ['BEGIN', REFUSED.transaction],
    ['SAVEPOINT s', REFUSED.transaction],
    ['COMMIT', REFUSED.transaction],
    ['CREATE TEMP TABLE x (a)', REFUSED.temp],
    ['CREATE VIRTUAL TABLE temp.f USING fts5(a)', REFUSED.temp],
    ['CREATE TEMP TRIGGER g AFTER INSERT ON t BEGIN SELECT 1; END', REFUSED.temp],
  ])('refuses %j', (sql, message) => {
    expect(check(sql)).toThrow(message);
  });

  it.each([
    'SELECT * FROM t',
    'INSERT INTO t VALUES (1)',
    'VACUUM',
    'ALTER TABLE t RENAME TO u2',
    'CREATE TABLE x (a)',
    "SELECT 'sqlite_attach(3)', 'load_extension(1)'",
    'CREATE VIRTUAL TABLE f USING fts5(a)',
  ])('lets %j through', (sql) => {
    expect(check(sql)).not.toThrow();
  });

  it('sees calls inside trigger sub-programs', () => {
    // SQLite never lets a schema trigger call these (they are direct-only), but a TEMP trigger may: the
    // guard refuses creating one, and even if one existed the program check would see its body.
    db.prepare("CREATE TEMP TRIGGER tg AFTER INSERT ON t BEGIN SELECT fts3_tokenizer('simple'); END").run();
    try {
      expect(check('INSERT INTO t VALUES (1)')).toThrow(REFUSED.fts3Tokenizer);
    } finally {
      db.prepare('DROP TRIGGER temp.tg').run();
    }
    expect(check('INSERT INTO t VALUES (1)')).not.toThrow();
  });
});

describe('statementKind', () => {
  beforeAll(() => {
    db.prepare('CREATE INDEX t_a ON t (a)').run();
    db.prepare('CREATE VIEW v AS SELECT 1').run();
    db.prepare('CREATE TRIGGER g AFTER INSERT ON t BEGIN SELECT 1; END').run();
  });

  it.each([
    ['DROP TABLE t', 'DROP'],
    ['DROP INDEX t_a', 'DROP'],
    ['DROP VIEW v', 'DROP'],
    ['DROP TRIGGER g', 'DROP'],
    ['VACUUM', 'VACUUM'],
    ['VACUUM main', 'VACUUM'],
    // Not a VACUUM statement for this purpose: checkProgram refuses it as VACUUM INTO.
    ["VACUUM INTO 'x'", undefined],
    // Compile to nothing: nothing would be dropped or rewritten.
    ['DROP TABLE IF EXISTS nowhere', undefined],
    ['VACUUM temp', undefined],
    ['ALTER TABLE t ADD COLUMN b', undefined],
    ['DELETE FROM t', undefined],
  ])('%j is %s', (sql, kind) => {
    expect(statementKind(db.explain(sql))).toBe(kind);
  });

  it('does not take ALTER TABLE ... DROP COLUMN for a DROP statement', () => {
    db.prepare('CREATE TABLE w (a, b)').run();
    expect(statementKind(db.explain('ALTER TABLE w DROP COLUMN b'))).toBeUndefined();
  });
});
