import { describe, expect, it } from 'vitest';
import { toBindArguments } from './params.js';
import { toCellValue } from './rows.js';

describe('toCellValue', () => {
  it('turns safe BigInts into numbers and larger ones into exact strings', () => {
    expect(toCellValue(42n)).toBe(42);
    expect(toCellValue(-9007199254740991n)).toBe(-9007199254740991);
    expect(toCellValue(9007199254740992n)).toBe('9007199254740992');
    expect(toCellValue(-9223372036854775808n)).toBe('-9223372036854775808');
  });

  it('turns BLOBs into base64 objects and infinite REALs into strings', () => {
    expect(toCellValue(Buffer.from('hi'))).toEqual({ $blob_base64: 'aGk=' });
    expect(toCellValue(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(toCellValue(1.5)).toBe(1.5);
    expect(toCellValue(null)).toBeNull();
  });
});

describe('toBindArguments', () => {
  it('binds integers as BigInt, booleans as 1/0 and blobs as buffers', () => {
    expect(toBindArguments([1, 1.5, true, false, null, 'x', { $blob_base64: 'aGk=' }])).toEqual([
      1n,
      1.5,
      1n,
      0n,
      null,
      'x',
      Buffer.from('hi'),
    ]);
    expect(toBindArguments([2 ** 60])).toEqual([2 ** 60]);
  });

  it('strips the prefix of named parameters and keeps __proto__ an ordinary name', () => {
    const [named] = toBindArguments(JSON.parse('{":a": 1, "@b": 2, "$c": 3, "d": 4, "__proto__": 5}')) as [
      Record<string, unknown>,
    ];
    expect(Object.keys(named)).toEqual(['a', 'b', 'c', 'd', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(named, '__proto__')?.value).toBe(5n);
  });

  it('binds nothing for no or empty parameters', () => {
    expect(toBindArguments(undefined)).toEqual([]);
    expect(toBindArguments({})).toEqual([]);
  });
});
