import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { DEFAULT_MAX_JSON_DEPTH, nestsDeeperThan } from './json-depth.js';

function nested(levels: number, make: (inner: unknown) => unknown = (inner) => [inner]): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = make(value);
  return value;
}

describe('nestsDeeperThan', () => {
  it('counts objects and arrays, the outermost one included; scalars are no level', () => {
    expect(nestsDeeperThan('text', 0)).toBe(false);
    expect(nestsDeeperThan(null, 0)).toBe(false);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({ a: [1, { b: 'x' }] }, 3)).toBe(false);
    expect(nestsDeeperThan({ a: [1, { b: 'x' }] }, 2)).toBe(true);
  });

  it('finds the deep branch among shallow siblings, in arrays and objects alike', () => {
    const deepObject = nested(10, (inner) => ({ a: inner }));
    expect(nestsDeeperThan({ wide: Array(1000).fill(1), deep: deepObject }, 10)).toBe(true);
    expect(nestsDeeperThan({ wide: Array(1000).fill(1), deep: deepObject }, 11)).toBe(false);
    expect(nestsDeeperThan([1, 2, [3, [4]]], 3)).toBe(false);
    expect(nestsDeeperThan([1, 2, [3, [4, []]]], 3)).toBe(true);
  });

  it('measures 100,000 levels without recursion (JSON.stringify overflows the stack long before)', () => {
    const deep = nested(100_000);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(nestsDeeperThan(deep, DEFAULT_MAX_JSON_DEPTH)).toBe(true);
    expect(
      nestsDeeperThan(
        nested(100_000, (inner) => ({ a: inner })),
        99_999,
      ),
    ).toBe(true);
    expect(
      nestsDeeperThan(
        nested(100_000, (inner) => ({ a: inner })),
        100_000,
      ),
    ).toBe(false);
  });

  it('treats a cycle as too deep instead of looping', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(nestsDeeperThan(cyclic, 1000)).toBe(true);
  });

  it('accepts exactly what canonical JSON (HITL argument hashes) accepts at the default limit', () => {
    const limit = nested(DEFAULT_MAX_JSON_DEPTH);
    const past = nested(DEFAULT_MAX_JSON_DEPTH + 1);
    expect(nestsDeeperThan(limit, DEFAULT_MAX_JSON_DEPTH)).toBe(false);
    expect(() => canonicalJson(limit)).not.toThrow();
    expect(nestsDeeperThan(past, DEFAULT_MAX_JSON_DEPTH)).toBe(true);
    expect(() => canonicalJson(past)).toThrow(/deeply/);
  });
});
