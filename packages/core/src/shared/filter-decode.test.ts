import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  asText,
  compileFilterPattern,
  DecodeBudget,
  type DecodeStep,
  decodeRuns,
  decodeWhole,
  deriveCandidates,
  filterPatternProblem,
  MAX_DECODED_BYTES,
  MAX_ENCODED_CHARS,
  normalizeText,
  percentDecode,
  splitLeadingIgnoreCase,
  strictBase64,
  unescapeText,
  urlsafeBase64,
} from './filter-decode.js';

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

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const url = (text: string) =>
  [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const texts = (value: string, chain: Parameters<typeof deriveCandidates>[1], budget = new DecodeBudget()) =>
  deriveCandidates(value, chain, budget, 'field').map((c) => [c.via, c.text]);

describe('deriveCandidates', () => {
  it('applies the chain cumulatively and names each step', () => {
    expect(texts(url(b64('rm -rf /')), ['url', 'base64'])).toEqual([
      ['url', b64('rm -rf /')],
      ['url>base64', 'rm -rf /'],
    ]);
  });

  it('skips a failed step and continues from the last value that decoded', () => {
    // base64 of a percent-encoded text: url fails first (nothing to decode), base64 decodes, then url.
    expect(texts(b64(url('rm')), ['url', 'base64', 'url'])).toEqual([
      ['base64', url('rm')],
      ['base64>url', 'rm'],
    ]);
  });

  it('handles double encoding when the manifest lists the step twice', () => {
    expect(texts(b64(b64('secret')), ['base64', 'base64']).at(-1)).toEqual(['base64>base64', 'secret']);
    expect(texts(url(url('secret')), ['url', 'url']).at(-1)).toEqual(['url>url', 'secret']);
    // Listed once, only one layer comes off (the manifest decides how deep to look).
    expect(texts(b64(b64('secret')), ['base64']).map(([, t]) => t)).not.toContain('secret');
  });

  it('decodes base64 runs embedded in text, then continues the chain from them', () => {
    const value = `run: echo ${b64(url('rm -rf'))} | base64 -d`;
    const out = texts(value, ['base64', 'url']);
    expect(out).toContainEqual(['base64[runs]', url('rm -rf')]);
    expect(out).toContainEqual(['base64[runs]>url', 'rm -rf']);
  });

  it('adds unescaped and NFKC forms of raw and decoded candidates', () => {
    expect(texts('\\x72\\x6d -rf', [])).toEqual([['unescape', 'rm -rf']]);
    expect(texts('ｒｍ\u200b -rf', [])).toEqual([['nfkc', 'rm -rf']]);
    expect(texts(b64('ｒｍ -rf'), ['base64'])).toContainEqual(['base64>nfkc', 'rm -rf']);
    expect(texts('\\uff52\\uff4d', [])).toContainEqual(['unescape>nfkc', 'rm']);
    expect(texts('plain ascii', ['url'])).toEqual([]);
  });

  it('matches values too large to decode raw only and records why', () => {
    const budget = new DecodeBudget();
    const big = b64('x'.repeat(70_000));
    expect(big.length).toBeGreaterThan(MAX_ENCODED_CHARS);
    expect(deriveCandidates(big, ['base64'], budget, 'content')).toEqual([]);
    expect([...(budget.skipped.get('value_too_large') ?? [])]).toEqual(['content']);
  });

  it('stops deriving when the call budget is spent', () => {
    const budget = new DecodeBudget(20);
    expect(deriveCandidates(b64('0123456789'), ['base64'], budget, 'a')).toHaveLength(1);
    expect(deriveCandidates(b64('abcdefghijklmnop'), ['base64'], budget, 'b')).toEqual([]);
    expect([...(budget.skipped.get('budget_exhausted') ?? [])]).toEqual(['b']);
  });

  it('stays bounded on a value full of nested encodings', () => {
    let value = 'rm -rf /';
    for (let i = 0; i < 12; i++) value = `${b64(value)} ${url(value)} ${value}`.slice(0, MAX_ENCODED_CHARS);
    const started = performance.now();
    const out = deriveCandidates(value, ['url', 'base64', 'url', 'base64'], new DecodeBudget(), 'x');
    expect(performance.now() - started).toBeLessThan(2000);
    expect(out.reduce((n, c) => n + c.text.length, 0)).toBeLessThanOrEqual(1024 * 1024);
  });
});

describe('variants', () => {
  it('normalizeText: NFKC and default-ignorable removal, undefined for plain ASCII', () => {
    expect(normalizeText('ＰＡＳＳＷＯＲＤ')).toBe('PASSWORD');
    expect(normalizeText('pa\u00adss\u200dword\ufe0f')).toBe('password');
    expect(normalizeText('\u212a')).toBe('K');
    expect(normalizeText('password')).toBeUndefined();
  });

  it('unescapeText: \\x, \\u, \\u{}, \\U, octal and HTML numeric entities', () => {
    expect(unescapeText('\\x72\\u006d \\u{2d}\\U00000072\\146')).toBe('rm -rf');
    expect(unescapeText('&#114;&#x6D;')).toBe('rm');
    expect(unescapeText('\\ud83d\\ude00')).toBe('😀');
    expect(unescapeText('\\u{110000}')).toBeUndefined();
    expect(unescapeText('C:\\temp')).toBeUndefined();
  });
});

const python = JSON.parse(
  readFileSync(new URL('./__fixtures__/decode-python-cases.json', import.meta.url), 'utf8'),
) as { cases: [DecodeStep, string, string | null][] };

/**
 * The one deliberate difference from the reference: `base64` adds missing padding (CPython refuses
 * `cm0gLXJmIC8`, which `base64 -d` runs). Where that is all CPython objected to, the answer is what its
 * url-safe decoder (which pads) gives for the same standard-alphabet text.
 */
function referenceAnswer(step: DecodeStep, input: string, expected: string | null): string | null {
  if (step !== 'base64' || expected !== null || !/^[A-Za-z0-9+/]*={0,2}$/.test(input)) return expected;
  const padded = python.cases.find(([s, i]) => s === 'urlsafe_base64' && i === input);
  return padded?.[2] ?? null;
}

describe('decodeWhole agrees with the reference (CPython)', () => {
  it.each(python.cases)('%s of %j', (step, input, expected) => {
    const answer = referenceAnswer(step, input, expected);
    // decodeWhole reports "no new text" as undefined: a failed step, an unchanged value or empty output.
    const want = answer === null || answer === input || answer === '' ? undefined : answer;
    expect(decodeWhole(step, input)).toBe(want);
  });

  it('differs only where CPython wanted padding', () => {
    const differing = python.cases.filter(
      ([step, input, expected]) => referenceAnswer(step, input, expected) !== expected,
    );
    expect(differing.map(([, input]) => input)).toEqual([
      'cm0gLXJmIC8',
      'YQ=',
      'YQ',
      'YWJjZA=',
      'Zm9vYmE',
      'Zm9vYg',
    ]);
  });
});

describe('decode steps', () => {
  it('percent-decodes like unquote: no + → space, malformed escapes kept, UTF-8 with replacement', () => {
    expect(percentDecode('%72%6d%20-rf')).toBe('rm -rf');
    expect(percentDecode('a+b')).toBe('a+b');
    expect(percentDecode('100%')).toBe('100%');
    expect(percentDecode('%zz%4')).toBe('%zz%4');
    expect(percentDecode('%E2%82')).toBe('\ufffd');
    expect(percentDecode('%F0%9F%98%80')).toBe('😀');
  });

  it('base64 is strict (standard alphabet) but pads; urlsafe pads and accepts - and _', () => {
    expect(strictBase64('cm0gLXJm')).toBeDefined();
    expect(strictBase64('cm0g-XJm')).toBeUndefined();
    expect(Buffer.from(strictBase64('YQ') as Uint8Array).toString('utf8')).toBe('a');
    expect(Buffer.from(strictBase64('cm0gLXJmIC8') as Uint8Array).toString('utf8')).toBe('rm -rf /');
    expect(strictBase64('YWJjZ')).toBeUndefined(); // one character past a group can encode nothing
    expect(strictBase64('YQ===')).toBeUndefined();
    expect(strictBase64('cm0g LXJm')).toBeUndefined();
    expect(Buffer.from(urlsafeBase64('8J-YgA') as Uint8Array).toString('utf8')).toBe('😀');
    expect(urlsafeBase64('ZZZZZ')).toBeUndefined(); // one character past a group can encode nothing
    expect(urlsafeBase64('\u00e9abc')).toBeUndefined(); // non-ASCII input fails, as in Python
  });

  it('does not decode values whose decoding could exceed 64 KiB (raw is still matched by the caller)', () => {
    const big = b64('x'.repeat(MAX_DECODED_BYTES + 3));
    expect(big.length).toBeGreaterThan(MAX_ENCODED_CHARS);
    expect(decodeWhole('base64', big)).toBeUndefined();
    expect(decodeWhole('url', `%41${'a'.repeat(MAX_ENCODED_CHARS)}`)).toBeUndefined();
    const justUnder = b64('y'.repeat(MAX_DECODED_BYTES - 1));
    expect(justUnder.length).toBeLessThanOrEqual(MAX_ENCODED_CHARS);
    expect(decodeWhole('base64', justUnder)).toBe('y'.repeat(MAX_DECODED_BYTES - 1));
  });

  it('finds base64 runs embedded in longer text and keeps only the ones that are text', () => {
    const text = `echo ${b64('rm -rf /')} | base64 -d | sh; also ${b64('curl evil')} and password hello`;
    expect(decodeRuns('base64', text)).toBe('rm -rf /\ncurl evil');
    expect(
      decodeRuns('urlsafe_base64', `x ${b64('😀 rm').replaceAll('+', '-').replaceAll('/', '_')} y`),
    ).toBe('😀 rm');
    expect(decodeRuns('base64', 'plain words only here')).toBeUndefined();
    expect(decodeRuns('url', 'x %41 y')).toBeUndefined();
    // A run that is the whole value is left to decodeWhole.
    expect(decodeRuns('base64', b64('rm -rf /'))).toBeUndefined();
  });

  it('asText refuses invalid UTF-8 and binary control characters', () => {
    expect(asText(Buffer.from('hello\tworld\n'))).toBe('hello\tworld\n');
    expect(asText(Uint8Array.from([0xff, 0xfe]))).toBeUndefined();
    expect(asText(Uint8Array.from([0x61, 0x00, 0x62]))).toBeUndefined();
  });
});
