import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys at every level and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true } })).toBe(
      '{"a":{"c":true,"d":[1,"x",null]},"b":1}',
    );
  });

  it('follows JSON.stringify for values JSON cannot hold', () => {
    expect(canonicalJson({ a: undefined, b: () => 1, c: Number.NaN, d: [undefined] })).toBe(
      '{"c":null,"d":[null]}',
    );
    expect(canonicalJson(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"');
    expect(canonicalJson(12n)).toBe('"12n"');
    expect(canonicalJson(new Map([['k', 1]]))).toBe('{"k":1}');
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"\n': 'v\u2028"' })).toBe(JSON.stringify({ 'k"\n': 'v\u2028"' }));
  });

  it('refuses cycles and absurd nesting instead of guessing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/deeply/);
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
  });

  it('follows up to maxDepth nested containers, 64 unless the caller sets another limit', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 65; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/limit 64/);
    expect(canonicalJson(deep, { maxDepth: 65 })).toBe(`${'['.repeat(65)}1${']'.repeat(65)}`);
    expect(canonicalJson((deep as unknown[])[0])).toBe(`${'['.repeat(64)}1${']'.repeat(64)}`);
  });

  it('lays the same text out for people with indent, as JSON.stringify does, keys still sorted', () => {
    const value = { b: [1, { d: null, c: 'x' }], a: {}, e: [] };
    expect(canonicalJson(value, { indent: 2 })).toBe(
      JSON.stringify({ a: {}, b: [1, { c: 'x', d: null }], e: [] }, null, 2),
    );
    // Integer-like keys too: JSON.parse would move them first, canonical order keeps them sorted as text.
    expect(canonicalJson({ b: 1, 10: 2, 9: 3 }, { indent: 1 })).toBe('{\n "10": 2,\n "9": 3,\n "b": 1\n}');
    expect(JSON.parse(canonicalJson(value, { indent: 2 }))).toEqual(JSON.parse(canonicalJson(value)));
  });
});
