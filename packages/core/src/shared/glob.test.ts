import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileGlob, translateGlob } from './glob.js';

interface PythonCases {
  readonly names: readonly string[];
  readonly patterns: Readonly<Record<string, readonly string[]>>;
}

const python = JSON.parse(
  readFileSync(new URL('./__fixtures__/glob-python-cases.json', import.meta.url), 'utf8'),
) as PythonCases;

describe('compileGlob', () => {
  it('matches *, ? and literal text over the whole name, case-sensitively', () => {
    const fs = compileGlob('filesystem_*');
    expect(fs('filesystem_read_file')).toBe(true);
    expect(fs('filesystem_')).toBe(true);
    expect(fs('xfilesystem_read')).toBe(false);
    expect(fs('Filesystem_read')).toBe(false);
    const one = compileGlob('a?c');
    expect(one('abc')).toBe(true);
    expect(one('ac')).toBe(false);
    expect(one('abbc')).toBe(false);
    expect(compileGlob('exact')('exact')).toBe(true);
    expect(compileGlob('exact')('exactly')).toBe(false);
    expect(compileGlob('exact')('not exact')).toBe(false);
  });

  it('supports [seq], [!seq], ranges and a leading ] as a member', () => {
    expect(compileGlob('db_[rw]*')('db_read')).toBe(true);
    expect(compileGlob('db_[rw]*')('db_write')).toBe(true);
    expect(compileGlob('db_[rw]*')('db_xread')).toBe(false);
    expect(compileGlob('[!abc]')('d')).toBe(true);
    expect(compileGlob('[!abc]')('a')).toBe(false);
    expect(compileGlob('[a-c]x')('bx')).toBe(true);
    expect(compileGlob('[a-c]x')('dx')).toBe(false);
    expect(compileGlob('[]]')(']')).toBe(true);
    expect(compileGlob('[!]]')(']')).toBe(false);
    expect(compileGlob('[!]]')('a')).toBe(true);
    expect(compileGlob('[z-a]')('z')).toBe(false);
  });

  it('treats regex metacharacters and backslash in patterns literally', () => {
    for (const literal of ['a.b', 'a+b', '(a)', 'a|b', '^a$', 'a{2}', 'a\\b', '$x', 'a/b']) {
      const match = compileGlob(literal);
      expect(match(literal)).toBe(true);
    }
    expect(compileGlob('a.b')('axb')).toBe(false);
    expect(compileGlob('a+b')('aab')).toBe(false);
    expect(compileGlob('a|b')('a')).toBe(false);
    expect(compileGlob('a{2}')('aa')).toBe(false);
    expect(compileGlob('[^a]')('^')).toBe(true);
    expect(compileGlob('[^a]')('b')).toBe(false);
    // An unclosed [ is a literal, not a regex syntax error.
    expect(compileGlob('a[')('a[')).toBe(true);
    expect(compileGlob('[')('[')).toBe(true);
  });

  it('matches newlines with * and ? (no implicit line anchors)', () => {
    expect(compileGlob('a*b')('a\nb')).toBe(true);
    expect(compileGlob('a?b')('a\nb')).toBe(true);
    expect(compileGlob('tool')('tool\n')).toBe(false);
    expect(compileGlob('tool')('x\ntool')).toBe(false);
  });

  it('counts characters by code point like Python', () => {
    expect(compileGlob('?')('\u{1F600}')).toBe(true);
    expect(compileGlob('??')('\u{1F600}')).toBe(false);
  });

  it('collapses runs of * so the compiled regex stays small', () => {
    expect(translateGlob('a***b')).toBe(translateGlob('a*b'));
  });

  it('stays fast on adversarial names', () => {
    const match = compileGlob('*a*a*a*a*a*b');
    const started = performance.now();
    expect(match('a'.repeat(5000))).toBe(false);
    expect(compileGlob('*a*a*a*a*a*a')('a'.repeat(5000))).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  const patterns = Object.entries(python.patterns);
  it.each(patterns)('agrees with CPython fnmatchcase for %j', (pattern, matching) => {
    const match = compileGlob(pattern);
    const got = python.names.filter((name) => match(name));
    expect(got).toEqual(matching);
  });
});
