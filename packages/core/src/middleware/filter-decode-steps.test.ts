import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DecodeStep } from '../manifest/manifest-types.js';
import {
  asText,
  decodeRuns,
  decodeWhole,
  MAX_DECODED_BYTES,
  MAX_ENCODED_CHARS,
  percentDecode,
  strictBase64,
  urlsafeBase64,
} from './filter-decode-steps.js';

const python = JSON.parse(
  readFileSync(new URL('./__fixtures__/decode-python-cases.json', import.meta.url), 'utf8'),
) as { cases: [DecodeStep, string, string | null][] };

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('decodeWhole agrees with the reference (CPython)', () => {
  it.each(python.cases)('%s of %j', (step, input, expected) => {
    // decodeWhole reports "no new text" as undefined: a failed step, an unchanged value or empty output.
    const want = expected === null || expected === input || expected === '' ? undefined : expected;
    expect(decodeWhole(step, input)).toBe(want);
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

  it('base64 is strict (standard alphabet, correct padding); urlsafe pads and accepts - and _', () => {
    expect(strictBase64('cm0gLXJm')).toBeDefined();
    expect(strictBase64('cm0g-XJm')).toBeUndefined();
    expect(strictBase64('YQ')).toBeUndefined();
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
