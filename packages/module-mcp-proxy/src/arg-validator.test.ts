import { describe, expect, it } from 'vitest';
import { compileArgumentCheck } from './arg-validator.js';

describe('compileArgumentCheck', () => {
  it('validates draft-07 (the TypeScript SDK default) and 2020-12 schemas', () => {
    const draft7 = compileArgumentCheck({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { a: { type: 'number' } },
      required: ['a'],
    });
    expect(draft7.check?.({ a: 1 })).toBeUndefined();
    expect(draft7.check?.({ a: '1' })).toBe("argument 'a' must be number");
    const modern = compileArgumentCheck({
      type: 'object',
      properties: { list: { type: 'array', prefixItems: [{ type: 'string' }], items: false } },
    });
    expect(modern.check?.({ list: ['x'] })).toBeUndefined();
    expect(modern.check?.({ list: ['x', 'y'] })).toContain("argument 'list'");
  });

  it('never changes the arguments (no defaults, no coercion)', () => {
    const check = compileArgumentCheck({
      type: 'object',
      properties: { n: { type: 'number', default: 3 }, s: { type: 'string' } },
    });
    const args = { s: 'x' };
    expect(check.check?.(args)).toBeUndefined();
    expect(args).toEqual({ s: 'x' });
    expect(check.check?.({ s: 5 })).toBe("argument 's' must be string");
  });

  it('does not fetch or resolve a remote $ref: the schema is reported as not compiled', () => {
    const compiled = compileArgumentCheck({
      type: 'object',
      properties: { x: { $ref: 'https://example.com/s.json' } },
    });
    expect(compiled.check).toBeUndefined();
    expect(compiled.error).toContain("can't resolve reference");
  });

  it('compiles each distinct schema once', () => {
    const schema = { type: 'object', properties: { q: { type: 'string' } } };
    const a = compileArgumentCheck(schema);
    const b = compileArgumentCheck({ properties: { q: { type: 'string' } }, type: 'object' });
    expect(a.check?.({ q: 1 })).toBe(b.check?.({ q: 1 }));
  });

  it('strips control characters from agent-chosen key names in messages', () => {
    const check = compileArgumentCheck({ type: 'object', additionalProperties: false });
    expect(check.check?.({ 'evil\nkey': 1 })).toBe(
      "the arguments must NOT have additional properties ('evil?key' is not allowed)",
    );
  });

  it('ignores formats (the upstream checks them) instead of failing to compile', () => {
    const check = compileArgumentCheck({
      type: 'object',
      properties: { u: { type: 'string', format: 'uri' } },
    });
    expect(check.check?.({ u: 'not a uri' })).toBeUndefined();
  });
});
