import { describe, expect, it } from 'vitest';
import { compileFilterPattern, filterPatternProblem, splitLeadingIgnoreCase } from './filter-pattern.js';

describe('filter patterns', () => {
  it('accepts ordinary patterns shared by Python and JavaScript', () => {
    for (const p of [
      '(?i)(password|secret|token)\\s*[:=]\\s*\\S+',
      'AKIA[0-9A-Z]{16}',
      '\\bgh[pousr]_[A-Za-z0-9]{20,}\\b',
      '(?<=key=)\\w+',
      '(?<name>a)\\k<name>',
      '[\\]x]',
      '\\x41\\u0042\\t\\n',
      '^\\d+$',
      '\\.\\-\\/\\:\\=',
    ]) {
      expect(filterPatternProblem(p), p).toBeUndefined();
    }
  });

  it('turns a leading (?i) into case-insensitive matching', () => {
    expect(splitLeadingIgnoreCase('(?i)abc')).toEqual({ pattern: 'abc', caseInsensitive: true });
    expect(splitLeadingIgnoreCase('abc')).toEqual({ pattern: 'abc', caseInsensitive: false });
    const re = compileFilterPattern('(?i)secret');
    expect(re.flags).toBe('i');
    expect(re.test('SeCrEt')).toBe(true);
    expect(compileFilterPattern('secret').test('SECRET')).toBe(false);
    expect(compileFilterPattern('secret', { caseInsensitive: true }).test('SECRET')).toBe(true);
    expect(compileFilterPattern('(?i)s', { flags: 'g' }).flags).toBe('gi');
  });

  it('rejects inline flags other than a leading (?i)', () => {
    expect(filterPatternProblem('(?s)a.b')).toMatch(/inline flag group '\(\?s\)'.*only a leading '\(\?i\)'/);
    expect(filterPatternProblem('(?im)x')).toMatch(/inline flag group '\(\?im\)'/);
    expect(filterPatternProblem('abc(?i)def')).toMatch(/in the middle of the pattern/);
  });

  it('rejects escapes that JavaScript would silently read as letters', () => {
    expect(filterPatternProblem('abc\\Z')).toMatch(/escape '\\Z'.*use '\$'/);
    expect(filterPatternProblem('\\Aabc')).toMatch(/escape '\\A'.*use '\^'/);
    expect(filterPatternProblem('\\p{L}')).toMatch(/escape '\\p'/);
    expect(filterPatternProblem('[\\Z]')).toMatch(/escape '\\Z'/);
  });

  it('rejects Python-only group syntax with advice', () => {
    expect(filterPatternProblem('(?P<user>\\w+)')).toMatch(/\(\?<name>\.\.\.\)/);
    expect(filterPatternProblem('(?P=user)')).toMatch(/named-group/);
    expect(filterPatternProblem('a(?#comment)b')).toMatch(/comment/);
  });

  it("rejects ']' first in a class, which Python and JavaScript read differently", () => {
    expect(filterPatternProblem('[]a]')).toMatch(/empty class/);
    expect(filterPatternProblem('[^]a]')).toMatch(/empty class/);
  });

  it('rejects invalid and empty patterns without quoting them', () => {
    const problem = filterPatternProblem('(unclosed-SECRETVALUE');
    expect(problem).toMatch(/^is not a valid regular expression \(/);
    expect(problem).not.toContain('SECRETVALUE');
    expect(filterPatternProblem('[z-a]SECRETVALUE')).not.toContain('SECRETVALUE');
    expect(filterPatternProblem('')).toMatch(/must not be empty/);
    expect(filterPatternProblem('(?i)')).toMatch(/must not be empty/);
  });
});
