import { describe, expect, it } from 'vitest';
import { DecodeBudget, deriveCandidates } from './filter-decode.js';
import { MAX_ENCODED_CHARS } from './filter-decode-steps.js';
import { normalizeText, unescapeText } from './filter-decode-variants.js';

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
