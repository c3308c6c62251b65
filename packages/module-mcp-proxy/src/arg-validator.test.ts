import { describe, expect, it } from 'vitest';
import { type ArgumentCheck, ArgumentCheckOverBudget, compileArgumentCheck } from './arg-validator.js';

/** argument_check_ms's default. */
const BUDGET = 100;

describe('compileArgumentCheck', () => {
  it('validates draft-07 (the TypeScript SDK default) and 2020-12 schemas', () => {
    const draft7 = compileArgumentCheck(
      {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { a: { type: 'number' } },
        required: ['a'],
      },
      BUDGET,
    );
    expect(draft7.check?.({ a: 1 })).toBeUndefined();
    expect(draft7.check?.({ a: '1' })).toBe("argument 'a' must be number");
    const modern = compileArgumentCheck(
      {
        type: 'object',
        properties: { list: { type: 'array', prefixItems: [{ type: 'string' }], items: false } },
      },
      BUDGET,
    );
    expect(modern.check?.({ list: ['x'] })).toBeUndefined();
    expect(modern.check?.({ list: ['x', 'y'] })).toContain("argument 'list'");
  });

  it('never changes the arguments (no defaults, no coercion)', () => {
    const check = compileArgumentCheck(
      {
        type: 'object',
        properties: { n: { type: 'number', default: 3 }, s: { type: 'string' } },
      },
      BUDGET,
    );
    const args = { s: 'x' };
    expect(check.check?.(args)).toBeUndefined();
    expect(args).toEqual({ s: 'x' });
    expect(check.check?.({ s: 5 })).toBe("argument 's' must be string");
  });

  it('does not fetch or resolve a remote $ref: the schema is reported as not compiled', () => {
    const compiled = compileArgumentCheck(
      {
        type: 'object',
        properties: { x: { $ref: 'https://example.com/s.json' } },
      },
      BUDGET,
    );
    expect(compiled.check).toBeUndefined();
    expect(compiled.error).toContain("can't resolve reference");
  });

  it('compiles each distinct schema once', () => {
    const schema = { type: 'object', properties: { q: { type: 'string' } } };
    const a = compileArgumentCheck(schema, BUDGET);
    const b = compileArgumentCheck({ properties: { q: { type: 'string' } }, type: 'object' }, BUDGET);
    expect(a.check?.({ q: 1 })).toBe(b.check?.({ q: 1 }));
  });

  it('strips control characters from agent-chosen key names in messages', () => {
    const check = compileArgumentCheck({ type: 'object', additionalProperties: false }, BUDGET);
    expect(check.check?.({ 'evil\nkey': 1 })).toBe(
      "the arguments must NOT have additional properties ('evil?key' is not allowed)",
    );
  });

  it('ignores formats (the upstream checks them) instead of failing to compile', () => {
    const check = compileArgumentCheck(
      {
        type: 'object',
        properties: { u: { type: 'string', format: 'uri' } },
      },
      BUDGET,
    );
    expect(check.check?.({ u: 'not a uri' })).toBeUndefined();
  });
});

/**
 * Each class of keyword whose cost can grow faster than its input, with an input that used to block the
 * event loop (seconds to hours): the verdict now comes at once, or the check stops at the budget.
 */
describe('argument checks take bounded time', () => {
  /** "At once": inside the budget even on a busy machine (these inputs took seconds to hours before). */
  const AT_ONCE_MS = BUDGET;
  /** A refusal at the budget: the budget plus the watchdog's lateness (its thread waits for a CPU too). */
  const STOPPED_MS = BUDGET + 400;
  /** Backtracks exponentially on a near-miss in JavaScript's engine (28 characters: seconds). */
  const WORDS = '^(\\w+\\s?)*$';
  const nearMiss = `${'a'.repeat(28)}!`;

  function timed(check: ArgumentCheck, args: unknown): { verdict: string | undefined | Error; ms: number } {
    const started = performance.now();
    let verdict: string | undefined | Error;
    try {
      verdict = check(args);
    } catch (error) {
      verdict = error as Error;
    }
    return { verdict, ms: performance.now() - started };
  }

  function nested(depth: number): unknown[] {
    let value: unknown[] = [];
    for (let i = 0; i < depth; i++) value = [value];
    return value;
  }

  it('pattern: a backtracking-prone pattern gives its verdict at once (RE2, linear time)', () => {
    const { check, backtracking } = compileArgumentCheck(
      { type: 'object', properties: { words: { type: 'string', pattern: WORDS } } },
      BUDGET,
    );
    expect(backtracking).toEqual([]);
    const refused = timed(check!, { words: nearMiss });
    expect(refused.ms).toBeLessThan(AT_ONCE_MS);
    expect(refused.verdict).toBe(`argument 'words' must match pattern "${WORDS}"`);
    const long = timed(check!, { words: `${'word '.repeat(4000)}end` });
    expect(long.ms).toBeLessThan(AT_ONCE_MS);
    expect(long.verdict).toBeUndefined();
  });

  it('patternProperties and propertyNames: the same engine', () => {
    const { check } = compileArgumentCheck(
      {
        type: 'object',
        properties: {
          byName: { type: 'object', patternProperties: { [WORDS]: { type: 'number' } } },
          names: { type: 'object', propertyNames: { pattern: WORDS } },
        },
      },
      BUDGET,
    );
    const typed = timed(check!, { byName: { [nearMiss]: 'not checked', plain: 'checked' } });
    expect(typed.ms).toBeLessThan(AT_ONCE_MS);
    expect(typed.verdict).toBe("argument 'byName.plain' must be number");
    const named = timed(check!, { names: { [nearMiss]: 1 } });
    expect(named.ms).toBeLessThan(AT_ONCE_MS);
    expect(named.verdict).toBe(`argument 'names' must match pattern "${WORDS}"`);
  });

  it('uniqueItems: 40,000 objects checked in O(n log n), keys in any order', () => {
    // ~30 ms on an idle machine (ajv's pairwise check: ~20 s); the margin is for a loaded one.
    const roomy = 1000;
    const { check } = compileArgumentCheck(
      {
        type: 'object',
        properties: { rows: { type: 'array', uniqueItems: true, items: { type: 'object' } } },
      },
      roomy,
    );
    const rows = Array.from({ length: 40_000 }, (_, i) => ({ id: i, tags: ['a', 'b'], note: `row ${i}` }));
    const unique = timed(check!, { rows });
    expect(unique.verdict).toBeUndefined();
    expect(unique.ms).toBeLessThan(roomy / 2);
    const repeated = timed(check!, { rows: [...rows, { tags: ['a', 'b'], note: 'row 7', id: 7 }] });
    expect(repeated.ms).toBeLessThan(roomy / 2);
    expect(repeated.verdict).toBe(
      "argument 'rows' must NOT have duplicate items (items ## 7 and 40000 are identical)",
    );
  });

  it("uniqueItems: JSON Schema's equality (numbers by value, strings apart from numbers, arrays in order)", () => {
    const { check } = compileArgumentCheck({ type: 'array', uniqueItems: true }, BUDGET);
    expect(check!([1, '1', [1, 2], [2, 1], { a: 1 }, { a: '1' }, null, false, 0])).toBeUndefined();
    expect(check!([1, 1.0])).toBe(
      'the arguments must NOT have duplicate items (items ## 0 and 1 are identical)',
    );
    expect(
      check!([
        { a: 1, b: [null] },
        { b: [null], a: 1 },
      ]),
    ).toContain('items ## 0 and 1');
    const off = compileArgumentCheck({ type: 'array', uniqueItems: false }, BUDGET);
    expect(off.check!([1, 1])).toBeUndefined();
  });

  it('recursion: a $ref loop fails to compile (left to the upstream), exponential recursion stops at the budget', () => {
    const loop = compileArgumentCheck(
      { $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' },
      BUDGET,
    );
    expect(loop.check).toBeUndefined();
    expect(loop.error).toBe('Maximum call stack size exceeded');

    // Each level tries the first branch all the way down before the second: 2^depth steps.
    const branching = compileArgumentCheck(
      {
        $defs: {
          node: {
            type: 'array',
            anyOf: [
              { allOf: [{ items: { $ref: '#/$defs/node' } }, { const: 'never' }] },
              { items: { $ref: '#/$defs/node' } },
            ],
          },
        },
        $ref: '#/$defs/node',
      },
      BUDGET,
    );
    const stopped = timed(branching.check!, nested(40));
    expect(stopped.verdict).toBeInstanceOf(ArgumentCheckOverBudget);
    expect(stopped.ms).toBeLessThan(STOPPED_MS);
    // Stopping it half-way left nothing behind: the next calls are checked as usual.
    expect(branching.check!(nested(3))).toBeUndefined();
    expect(branching.check!([['x']])).toBe("argument '[0][0]' must be array");
  });

  it('recursion: arguments nested deeper than the stack are refused with a message, not a crash', () => {
    const { check } = compileArgumentCheck(
      { $defs: { tree: { type: 'array', items: { $ref: '#/$defs/tree' } } }, $ref: '#/$defs/tree' },
      BUDGET,
    );
    const deep = timed(check!, nested(50_000));
    expect(deep.ms).toBeLessThan(STOPPED_MS);
    expect(deep.verdict).toBe('the arguments nest too deeply to be checked against the schema');
    expect(check!(nested(5))).toBeUndefined();
  });

  it('combinators: a large schema times large arguments runs within the budget', () => {
    // No $ref and only RE2 patterns, but 100 branches tried for each of 100,000 items (the last one fits).
    const branches = Array.from({ length: 100 }, (_, i) => ({ type: 'object', required: [`k${i}`] }));
    const { check } = compileArgumentCheck({ type: 'array', items: { anyOf: branches } }, BUDGET);
    const heavy = timed(check!, new Array(100_000).fill({ k99: 1 }));
    expect(heavy.ms).toBeLessThan(STOPPED_MS);
    expect(heavy.verdict).toBeInstanceOf(ArgumentCheckOverBudget);
    expect(check!([{ k3: 1 }])).toBeUndefined();
    expect(check!([1])).toBe("argument '[0]' must be object");
  });

  it('patterns RE2 cannot express are still enforced (JavaScript engine, bounded by the budget) and reported', () => {
    const lookahead = '^(?=.*\\d)[a-z\\d]+$';
    const explosive = '^(?=(a+)+$)a';
    const { check, backtracking } = compileArgumentCheck(
      {
        type: 'object',
        properties: { password: { type: 'string', pattern: lookahead } },
        patternProperties: { [explosive]: { type: 'string' } },
      },
      BUDGET,
    );
    expect(backtracking).toEqual([
      { keyword: 'patternProperties', pattern: explosive },
      { keyword: 'pattern', pattern: lookahead },
    ]);
    expect(check!({ password: 'abc' })).toBe(`argument 'password' must match pattern "${lookahead}"`);
    expect(check!({ password: 'abc1' })).toBeUndefined();
    expect(check!({ aaaa: 1 })).toBe("argument 'aaaa' must be string");
    const stopped = timed(check!, { [`${'a'.repeat(40)}!`]: 1 });
    expect(stopped.verdict).toBeInstanceOf(ArgumentCheckOverBudget);
    expect(stopped.ms).toBeLessThan(STOPPED_MS);
  });

  it('a schema that takes longer than ten budgets to compile is left to the upstream, saying why', () => {
    // ~140 KB of schema: compiling takes ~0.5–1 s; with a 10 ms budget, compiling gets 100 ms.
    const allOf = Array.from({ length: 10 }, (_, group) => {
      const properties: Record<string, unknown> = {};
      for (let i = 0; i < 100; i++) {
        properties[`p${group}_${i}`] = {
          type: 'object',
          properties: {
            a: { type: 'string', minLength: 1 },
            b: { type: 'integer' },
            c: { enum: ['x', 'y'] },
          },
          required: ['a'],
        };
      }
      return { properties };
    });
    // The message says the watchdog stopped it (the whole compile takes several times longer).
    const compiled = compileArgumentCheck({ type: 'object', allOf }, 10);
    expect(compiled.check).toBeUndefined();
    expect(compiled.error).toBe('compiling it takes longer than 100 ms (10 × argument_check_ms)');
  });
});
