import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../driver.js';
import { REFUSED } from './messages.js';
import { StatementGuard } from './statement-guard.js';

/** Guards on in-memory connections configured as in production (safe integers, trusted_schema off). */
let db: SqliteDatabase;

function pragma(name: string): unknown {
  return db.prepare(`PRAGMA ${name}`).pluck().get();
}

beforeEach(() => {
  db = openDatabase(':memory:', {});
  db.defaultSafeIntegers(true);
  db.prepare('PRAGMA trusted_schema = OFF').run();
  db.prepare('CREATE TABLE t (a)').run();
});

afterEach(() => {
  db.close();
});

describe('StatementGuard', () => {
  it('refuses a PRAGMA before compiling it: the setting does not change', () => {
    const guard = new StatementGuard(db, 'write');
    const before = pragma('busy_timeout');
    for (const sql of [
      'PRAGMA trusted_schema = ON',
      ';PRAGMA trusted_schema(1)',
      'PRAGMA busy_timeout = 1',
    ]) {
      expect(() => guard.check(sql)).toThrow(/PRAGMA/);
    }
    expect(pragma('trusted_schema')).toBe(0n);
    expect(pragma('busy_timeout')).toBe(before);
  });

  it('shows why the text check is needed: merely compiling a PRAGMA applies it', () => {
    db.prepare('PRAGMA trusted_schema = ON');
    expect(pragma('trusted_schema')).toBe(1n);
  });

  it('decides ATTACH, VACUUM INTO and temp objects from the program, with BigInt operands', () => {
    const guard = new StatementGuard(db, 'write');
    expect(() => guard.check("ATTACH 'x' || '.db' AS y")).toThrow(REFUSED.attach);
    expect(() => guard.check("VACUUM INTO 'x.db'")).toThrow(REFUSED.vacuumInto);
    expect(() => guard.check('CREATE TEMP VIEW v AS SELECT 1')).toThrow(REFUSED.temp);
    expect(() => guard.check('BEGIN')).toThrow(REFUSED.transaction);
    expect(guard.check('VACUUM').statement.reader).toBe(false);
    expect(guard.check('ALTER TABLE t RENAME TO u').statement.readonly).toBe(false);
  });

  it('on the read role, requires a statement that reads and returns rows', () => {
    const guard = new StatementGuard(db, 'read');
    expect(() => guard.check('INSERT INTO t VALUES (1)')).toThrow(REFUSED.readOnly);
    expect(() => guard.check('REINDEX')).toThrow(/return rows/);
    expect(guard.check('SELECT a FROM t').columns).toEqual(['a']);
    expect(guard.check('EXPLAIN SELECT a FROM t').columns?.[1]).toBe('opcode');
  });

  it('reuses a checked statement until the schema changes', () => {
    const guard = new StatementGuard(db, 'read');
    const first = guard.check('SELECT * FROM t');
    expect(guard.check('SELECT * FROM t')).toBe(first);
    db.prepare('CREATE TABLE other (b)').run();
    const again = guard.check('SELECT * FROM t');
    expect(again).not.toBe(first);
    expect(guard.check('SELECT * FROM t')).toBe(again);
  });

  it('keeps at most its capacity of statements, dropping the least recently used', () => {
    const guard = new StatementGuard(db, 'read', 2);
    const one = guard.check('SELECT 1');
    guard.check('SELECT 2');
    expect(guard.check('SELECT 1')).toBe(one);
    guard.check('SELECT 3');
    expect(guard.check('SELECT 1')).toBe(one);
    const two = guard.check('SELECT 2');
    expect(guard.check('SELECT 2')).toBe(two);
  });

  it('caches nothing it refused', () => {
    const guard = new StatementGuard(db, 'write');
    for (let i = 0; i < 2; i++) expect(() => guard.check("ATTACH 'x' AS y")).toThrow(REFUSED.attach);
  });
});
