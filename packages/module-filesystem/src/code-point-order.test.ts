import { describe, expect, it } from 'vitest';
import { compareCodePoints } from './code-point-order.js';

// Characters from ranges whose UTF-16 order differs from their code-point order: ASCII, U+D7FF (just below
// the surrogates), U+E000 and U+FFFD (above them in UTF-16, below any astral character by code point), astral.
const ALPHABET = [
  'a',
  'b',
  'Z',
  '\u00e9',
  '\ud7ff',
  '\ue000',
  '\ufffd',
  '\u{10000}',
  '\u{1F600}',
  '\u{10FFFF}',
];

function randomName(): string {
  const length = Math.floor(Math.random() * 4);
  return Array.from({ length }, () => ALPHABET[Math.floor(Math.random() * ALPHABET.length)]).join('');
}

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

describe('compareCodePoints', () => {
  it('orders as UTF-8 bytes (that is, code points) do, unlike UTF-16 code units', () => {
    expect(compareCodePoints('\u{1F600}', '\uFF41')).toBeGreaterThan(0);
    expect('\u{1F600}' < '\uFF41').toBe(true);
    for (let i = 0; i < 5000; i++) {
      const a = randomName();
      const b = randomName();
      expect(Math.sign(compareCodePoints(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(
        Math.sign(byUtf8(a, b)),
      );
    }
  });
});
