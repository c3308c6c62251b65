import { describe, expect, it } from 'vitest';
import { linearRegExpEngine } from './linear-regexp.js';

/** Patterns as real tool schemas write them, plus every construct the engine rewrites or hands back. */
const PATTERNS = [
  '^[a-z0-9-]+$',
  '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}$',
  '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2})?)?$',
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(-[\\w.]+)?$',
  '^(\\w+\\s?)*$',
  '^\\S+$',
  '^[^\\s]+$',
  '\\s',
  '^[\\s\\w]*$',
  '^.+$',
  '^.*$',
  'a.c',
  '^[^]$',
  '^[]$',
  '^(?<owner>[\\w-]+)/(?<repo>[\\w.-]+)$',
  '^\\u00e9+$',
  '^\\u{1F600}$',
  '^[\\u0000-\\u001F]$',
  '^\\p{L}+$',
  '^\\P{L}+$',
  '^[\\p{Lu}\\d]+$',
  '\\bword\\b',
  '^\\cJ$',
  '^a|b$',
  '^$',
  '',
  '^[.]$',
  '^\\.$',
  '^[\\]a]+$',
  '^[a-]+$',
  '^\\/api\\/v\\d+$',
];

const INPUTS = [
  '',
  'a',
  'abc',
  'hello-world',
  'Foo_Bar',
  'x@example.com',
  '123e4567-e89b-12d3-a456-426614174000',
  '2026-11-22T04:00',
  '1.2.3-rc.1',
  'two words here',
  'tab\there',
  'nbsp\u00a0here',
  'line\u2028sep',
  'carriage\rreturn',
  'new\nline',
  'vertical\vtab',
  '\ufeffbom',
  'ideographic\u3000space',
  'é',
  'ééé',
  'Ünïcödé',
  '😀',
  '😀😀',
  '\u0005',
  '\n',
  'owner/repo.name',
  'a word inside',
  '.',
  ']a]',
  'a-',
  '/api/v2',
  'ABC123',
  'abc!',
  'x',
  'b',
  '\ud800',
  'a\udc00b',
];

describe('linearRegExpEngine', () => {
  it('gives the verdict JavaScript gives, for every pattern and input here (and uses RE2 for them)', () => {
    const handedBack: string[] = [];
    const engine = linearRegExpEngine((pattern) => handedBack.push(pattern));
    const differences: string[] = [];
    for (const pattern of PATTERNS) {
      const native = new RegExp(pattern, 'u');
      const compiled = engine(pattern, 'u');
      for (const input of INPUTS) {
        if (compiled.test(input) !== native.test(input)) {
          differences.push(`${JSON.stringify(pattern)} on ${JSON.stringify(input)}`);
        }
      }
    }
    expect(differences).toEqual([]);
    expect(handedBack).toEqual([]);
  });

  it("hands back what RE2 cannot express, and JavaScript's engine keeps its meaning", () => {
    const handedBack: string[] = [];
    const engine = linearRegExpEngine((pattern) => handedBack.push(pattern));
    const cases: [string, string, boolean][] = [
      ['^(?=.*\\d)[a-z\\d]+$', 'abc1', true],
      ['^(?=.*\\d)[a-z\\d]+$', 'abc', false],
      ['^(?!admin$)\\w+$', 'admin', false],
      ['(?<=\\$)\\d+', '$5', true],
      ['^(a)\\1$', 'aa', true],
      ['^(?<c>a)\\k<c>$', 'ab', false],
      ['^[\\S]+$', 'a\u00a0b', false],
      ['^\\uD83D\\uDE00$', '😀', true],
      ['^\\p{Letter}+$', 'abc', true],
      ['^\\p{Script=Greek}+$', 'αβγ', true],
      ['^a{1001}$', 'a'.repeat(1001), true],
    ];
    for (const [pattern, input, verdict] of cases) {
      expect(engine(pattern, 'u').test(input), `${pattern} on ${input}`).toBe(verdict);
    }
    expect(handedBack).toEqual(cases.map(([pattern]) => pattern));
  });

  it('throws on a pattern JavaScript rejects, as ajv did before (the schema is then not compiled)', () => {
    const engine = linearRegExpEngine(() => undefined);
    expect(() => engine('(', 'u')).toThrow(SyntaxError);
    expect(() => engine('\\-', 'u')).toThrow(SyntaxError);
  });

  it('keys its compiled patterns apart from the JavaScript ones (ajv caches by toString)', () => {
    const engine = linearRegExpEngine(() => undefined);
    expect(String(engine('^a$', 'u'))).not.toBe(String(engine('^(?=a)a$', 'u')));
    expect(String(engine('^a$', 'u'))).toBe(String(engine('^a$', 'u')));
  });
});
