import { describe, expect, it } from 'vitest';
import { jwtRanges } from './redaction-jwt.js';

const REFERENCE = /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b/g;

function referenceRanges(text: string): Array<{ start: number; end: number }> {
  return [...text.matchAll(REFERENCE)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** Deterministic generator (mulberry32), so a failure is reproducible from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'eyJ',
  'eyJ',
  'abcdefghij',
  'Z9',
  '-',
  '_',
  '.',
  '.',
  ' ',
  'x',
  '0123456789',
  '-eyJ',
  '=',
  'é',
];

describe('jwtRanges', () => {
  it('finds a JWT inside text', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fw';
    expect(jwtRanges(`a ${jwt} b`)).toEqual([{ start: 2, end: 2 + jwt.length }]);
  });

  it('finds a JWT that starts after a dash inside a longer word, as the reference does', () => {
    const text = 'x-y-eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.SflKxwRJSMeKKF2QT4fw';
    expect(jwtRanges(text)).toEqual(referenceRanges(text));
    expect(jwtRanges(text)[0]?.start).toBe(4);
  });

  it('agrees with the reference regex on 20 000 generated strings', () => {
    const next = random(42);
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      const parts = 1 + Math.floor(next() * 25);
      for (let i = 0; i < parts; i++) text += PIECES[Math.floor(next() * PIECES.length)];
      expect(jwtRanges(text), text).toEqual(referenceRanges(text));
    }
  });

  it('is linear on input that makes the reference regex quadratic', () => {
    // No timing assertion: the reference regex needs minutes on this input, so a quadratic regression
    // shows up as a test timeout; the scanner takes a few milliseconds.
    expect(jwtRanges('eyJ-'.repeat(50_000))).toEqual([]);
  });
});
