import { describe, expect, it } from 'vitest';
import { checkLexically } from './lexical-gate.js';
import { REFUSED } from './messages.js';

describe('checkLexically', () => {
  it.each([
    'PRAGMA table_info(t)',
    'pragma main.table_info("t");',
    'PRAGMA user_version',
    '/* c */ PRAGMA integrity_check(5)',
    'PRAGMA "index_list"([t])',
    'SELECT 1',
  ])('lets %j through', (sql) => {
    expect(checkLexically(sql).explain).toBe(false);
  });

  it('recognises EXPLAIN and EXPLAIN QUERY PLAN', () => {
    expect(checkLexically('explain select 1')).toEqual({ explain: true, start: 0 });
    expect(checkLexically('-- x\nEXPLAIN QUERY PLAN SELECT 1')).toEqual({ explain: true, start: 5 });
  });

  it('finds where the statement starts, past comments and empty statements', () => {
    expect(checkLexically(' /* ; */ ;\n; SELECT 1').start).toBe(13);
  });

  it.each([
    ['PRAGMA trusted_schema', /PRAGMA trusted_schema is not allowed/],
    ['PRAGMA user_version = 1', /may only be read/],
    ['PRAGMA user_version(1)', /may only be read/],
    ['PRAGMA table_info(t) x', /may only be read/],
    ['PRAGMA table_info(-1)', /may only be read/],
    ['PRAGMA database_list', /PRAGMA database_list is not allowed/],
    ['EXPLAIN QUERY PLAN PRAGMA user_version', REFUSED.explainPragma],
    ["ATTACH 'x' AS y", REFUSED.attach],
    ['select * from PRAGMA_database_list', REFUSED.hiddenPath],
  ])('refuses %j', (sql, message) => {
    expect(() => checkLexically(sql)).toThrow(message);
  });

  it('quotes a long pragma name shortened, on one line', () => {
    expect(() => checkLexically(`PRAGMA "${'x'.repeat(100)}\nz"`)).toThrow(
      /^PRAGMA x{61}\.\.\. is not allowed/,
    );
  });

  it('refuses text without a statement', () => {
    expect(() => checkLexically(' ;; -- nothing')).toThrow('The SQL text contains no statement');
  });
});
