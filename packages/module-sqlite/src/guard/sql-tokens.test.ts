import { describe, expect, it } from 'vitest';
import { tokenizeSql } from './sql-tokens.js';

const texts = (sql: string) => tokenizeSql(sql).map((t) => `${t.kind}:${t.text}`);

describe('tokenizeSql', () => {
  it('skips whitespace SQLite skips, and both comment forms', () => {
    expect(texts(' \t\n\v\f\r-- line\n/* block */PRAGMA/**/x')).toEqual(['word:PRAGMA', 'word:x']);
  });

  it('ends a line comment only at a newline and an open block comment at the end', () => {
    expect(texts('SELECT -- ; ATTACH\r x')).toEqual(['word:SELECT']);
    expect(texts('SELECT /* ; ATTACH')).toEqual(['word:SELECT']);
  });

  it('reads strings and quoted names with doubled quotes, and brackets without', () => {
    expect(texts(`'it''s' "a""b" \`c\`\`d\` [e]]`)).toEqual([
      "string:it's",
      'quoted:a"b',
      'quoted:c`d',
      'quoted:e',
      'punct:]',
    ]);
  });

  it('keeps an unterminated string to the end of the text', () => {
    expect(texts("SELECT 'abc; PRAGMA x")).toEqual(['word:SELECT', 'string:abc; PRAGMA x']);
  });

  it('treats $, _ , digits and non-ASCII as word characters, everything else as punctuation', () => {
    expect(texts('a$b _c é1;(x)')).toEqual([
      'word:a$b',
      'word:_c',
      'word:é1',
      'punct:;',
      'punct:(',
      'word:x',
      'punct:)',
    ]);
  });

  it('records where each token starts', () => {
    expect(tokenizeSql(" /**/ a 'b' [c]").map((t) => t.start)).toEqual([6, 8, 12]);
  });

  it('does not treat a lone - or / as a comment', () => {
    expect(texts('1-2/3')).toEqual(['word:1', 'punct:-', 'word:2', 'punct:/', 'word:3']);
  });
});
