import { describe, expect, it } from 'vitest';
import { exceedsJsonBytes } from './result-size.js';

describe('exceedsJsonBytes', () => {
  it('tracks the JSON size closely for typical results', () => {
    const result = {
      content: [{ type: 'text', text: 'é'.repeat(1000) }],
      structuredContent: { n: 1, ok: true, x: null },
    };
    const actual = Buffer.byteLength(JSON.stringify(result));
    expect(exceedsJsonBytes(result, actual + 64)).toBe(false);
    expect(exceedsJsonBytes(result, actual - 64)).toBe(true);
  });

  it('stops early on a huge value', () => {
    const items = Array.from({ length: 100_000 }, () => ({ type: 'text', text: 'xxxxxxxxxx' }));
    expect(exceedsJsonBytes({ content: items }, 1000)).toBe(true);
  });
});
