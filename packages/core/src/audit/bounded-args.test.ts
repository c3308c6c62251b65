import { describe, expect, it } from 'vitest';
import { boundArgs } from './bounded-args.js';

describe('boundArgs', () => {
  it('returns arguments that fit as they are (the same object)', () => {
    const args = { path: 'a.txt', n: 3, ok: true, list: [1, null, 'x'], nested: { deep: 'y' } };
    const bounded = boundArgs(args, 1024);
    expect(bounded.args).toBe(args);
    expect(bounded.cutFrom).toBeUndefined();
  });

  it('cuts larger arguments to the cap, marking what was left out, and says how large they were', () => {
    const args = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'x'.repeat(100)]));
    const bounded = boundArgs(args, 1024);
    expect(JSON.stringify(bounded.args).length).toBeLessThanOrEqual(1024);
    expect(bounded.cutFrom).toBeGreaterThan(50 * 100);
    expect(bounded.args).toMatchObject({
      k0: 'x'.repeat(100),
      '<truncated>': expect.stringMatching(/^\d+ more$/),
    });
  });

  it('cuts a long string, an array and nested objects within the budget', () => {
    const long = boundArgs({ content: 'y'.repeat(10_000) }, 512) as { args: { content: string } };
    expect(long.args.content).toMatch(/^y+…<cut \d+ chars>$/);
    expect(JSON.stringify(long.args).length).toBeLessThanOrEqual(512);
    const list = boundArgs({ rows: Array.from({ length: 1000 }, (_, i) => ({ id: i })) }, 512);
    const rows = (list.args as { rows: unknown[] }).rows;
    expect(rows.at(-1)).toMatch(/^<\d+ more>$/);
    expect(JSON.stringify(list.args).length).toBeLessThanOrEqual(512);
  });
});
