import { describe, expect, it } from 'vitest';
import { errorLine, errorMessage, errorName } from './error-line.js';
import { StartupError, ToolInputError } from './errors.js';

describe('errorLine', () => {
  it('gives "<name>: <message>" for errors and the text of anything else', () => {
    expect(errorLine(new TypeError('bad'))).toBe('TypeError: bad');
    expect(errorLine('plain')).toBe('plain');
    expect(errorLine(42)).toBe('42');
  });

  it('keeps the first line only', () => {
    expect(errorLine(new Error('first\nsecond\r\nthird'))).toBe('Error: first');
    expect(errorLine(new Error('first\r\nsecond'))).toBe('Error: first');
  });

  it('is bounded: a longer line is cut and marked', () => {
    const line = errorLine(new Error('x'.repeat(1000)));
    expect(line).toHaveLength(500);
    expect(line.endsWith('…')).toBe(true);
    expect(errorLine(new RangeError('abcdefghij'), 10)).toBe('RangeErro…');
    expect(errorLine(new RangeError('abc'), 200)).toBe('RangeError: abc');
  });

  it('names an error without a message, and never gives an empty line', () => {
    expect(errorLine(new TypeError())).toBe('TypeError');
    expect(errorLine('')).toBe('unknown error');
    expect(errorLine({})).toBe('unknown error');
  });

  it('never throws on odd values', () => {
    const hostile = {
      get name(): string {
        throw new Error('getter');
      },
    };
    const values: unknown[] = [
      undefined,
      null,
      Symbol('s'),
      10n,
      Object.create(null),
      hostile,
      { message: { toString: () => 'object message' } },
      [1, 2],
    ];
    for (const value of values) expect(() => errorLine(value)).not.toThrow();
    expect(errorLine(undefined)).toBe('undefined');
    expect(errorLine(null)).toBe('null');
    expect(errorLine(Symbol('s'))).toBe('Symbol(s)');
    expect(errorLine(Object.create(null))).toBe('unknown error');
    expect(errorLine(hostile)).toBe('unknown error');
    expect(errorLine({ name: 'Custom', message: { toString: () => 'object message' } })).toBe(
      'Custom: object message',
    );
  });
});

describe('errorName', () => {
  it('gives the class name only, or the type of a thrown non-error', () => {
    expect(errorName(new TypeError('secret detail'))).toBe('TypeError');
    expect(errorName(new ToolInputError('x'))).toBe('ToolInputError');
    expect(errorName('text')).toBe('string');
    expect(errorName(null)).toBe('null');
    expect(errorName(undefined)).toBe('undefined');
  });
});

describe('errorMessage', () => {
  it("gives a ScopedMcpError's whole message, written for people, and one line for anything else", () => {
    const startup = new StartupError(['first problem', 'second problem'], 'm.yml');
    expect(errorMessage(startup)).toBe(
      "Cannot start with manifest 'm.yml':\n  - first problem\n  - second problem",
    );
    expect(errorMessage(new Error('EACCES: denied\n    at stack'))).toBe('Error: EACCES: denied');
    expect(errorMessage('thrown text')).toBe('thrown text');
  });
});
