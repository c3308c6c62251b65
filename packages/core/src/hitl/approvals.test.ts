import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  APPROVAL_ID_PATTERN,
  approvalAgent,
  newApprovalId,
  ARGS_HASH_PATTERN,
  argsHash,
  canonicalJson,
} from './approvals.js';

describe('approval ids', () => {
  it('are the agent id, a dot and 12 random hex digits', () => {
    const a = newApprovalId('research-01');
    const b = newApprovalId('research-01');
    expect(a).toMatch(/^research-01\.[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(approvalAgent(a)).toBe('research-01');
  });

  it('refuse to build an id for an invalid agent id', () => {
    expect(() => newApprovalId('Bad.Agent')).toThrow();
  });

  it.each([
    '',
    'agent',
    'agent.',
    'agent.0123456789a',
    'agent.0123456789abc',
    'agent.0123456789AB',
    'a.b.0123456789ab',
    'Agent.0123456789ab',
    '-agent.0123456789ab',
    'agent:x.0123456789ab',
    '*.0123456789ab',
    'agent.0123456789ab\n',
    'agent.0123456789ab ',
    ' agent.0123456789ab',
    `${'a'.repeat(64)}.0123456789ab`,
  ])('reject the malformed id %j', (id) => {
    expect(approvalAgent(id)).toBeUndefined();
    expect(APPROVAL_ID_PATTERN.test(id)).toBe(false);
  });
});

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
});

describe('argsHash', () => {
  it('is the first 32 hex characters of the SHA-256 of the canonical JSON', () => {
    const expected = createHash('sha256').update('{"path":"a.txt","text":"hi"}').digest('hex').slice(0, 32);
    expect(argsHash({ text: 'hi', path: 'a.txt' })).toBe(expected);
    expect(argsHash({})).toMatch(ARGS_HASH_PATTERN);
  });

  it('ignores key order but not values, types or nesting', () => {
    const base = argsHash({ a: 1, b: 'x' });
    expect(argsHash({ b: 'x', a: 1 })).toBe(base);
    expect(argsHash({ a: '1', b: 'x' })).not.toBe(base);
    expect(argsHash({ a: 1, b: 'x ' })).not.toBe(base);
    expect(argsHash({ a: 1, b: 'x', c: null })).not.toBe(base);
    expect(argsHash({ a: [1], b: 'x' })).not.toBe(base);
  });
});
