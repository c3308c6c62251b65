import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatPath, formatZodIssues } from './issues.js';
import { parseManifest } from './load.js';

const PREFIX = ['modules', 'sqlite', 'config'] as const;

function linesFor(schema: z.ZodType, value: unknown, withSchema = true): string[] {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected a validation failure');
  return formatZodIssues(result.error, PREFIX, withSchema ? { schema } : {});
}

describe('formatZodIssues (module config, as the runtime uses it)', () => {
  const config = z.strictObject({
    db_dir: z.string().min(1),
    max_rows: z.number().int().min(1).max(10_000).default(1000),
    mode: z.enum(['wal', 'delete']).default('wal'),
    tags: z.array(z.string()).max(2).optional(),
    nested: z.strictObject({ inner_key: z.boolean() }).optional(),
  });

  it('names the full dotted path and says what is wrong', () => {
    expect(linesFor(config, {})).toEqual(['modules.sqlite.config.db_dir: required']);
    expect(linesFor(config, { db_dir: '' })).toEqual(['modules.sqlite.config.db_dir: must not be empty']);
    expect(linesFor(config, { db_dir: 1 })).toEqual([
      'modules.sqlite.config.db_dir: must be a string (got a number)',
    ]);
    expect(linesFor(config, { db_dir: 'd', max_rows: 0 })).toEqual([
      'modules.sqlite.config.max_rows: must be >= 1',
    ]);
    expect(linesFor(config, { db_dir: 'd', max_rows: 10_001 })).toEqual([
      'modules.sqlite.config.max_rows: must be <= 10000',
    ]);
    expect(linesFor(config, { db_dir: 'd', max_rows: 1.5 })).toEqual([
      'modules.sqlite.config.max_rows: must be an integer',
    ]);
    expect(linesFor(config, { db_dir: 'd', mode: 'x' })).toEqual([
      'modules.sqlite.config.mode: must be one of wal, delete',
    ]);
    expect(linesFor(config, { db_dir: 'd', tags: ['a', 'b', 'c'] })).toEqual([
      'modules.sqlite.config.tags: must have at most 2 items',
    ]);
    expect(linesFor(config, { db_dir: 'd', nested: { inner_key: 'no' } })).toEqual([
      'modules.sqlite.config.nested.inner_key: must be true or false (got a string)',
    ]);
  });

  it('lists unknown keys one per line, with a suggestion when the schema is given', () => {
    expect(linesFor(config, { db_dir: 'd', dbdir: 'x', bogus: 1 })).toEqual([
      "modules.sqlite.config.dbdir: unknown key (did you mean 'db_dir'?)",
      'modules.sqlite.config.bogus: unknown key',
    ]);
    expect(linesFor(config, { db_dir: 'd', nested: { innerKey: true } })).toEqual([
      'modules.sqlite.config.nested.inner_key: required',
      "modules.sqlite.config.nested.innerKey: unknown key (did you mean 'inner_key'?)",
    ]);
    expect(linesFor(config, { db_dir: 'd', db_path: 'x' }, false)).toEqual([
      'modules.sqlite.config.db_path: unknown key',
    ]);
  });

  it('never repeats the offending value', () => {
    const secret = 'hunter2-VALUE-xyz';
    const strict = z.strictObject({
      url: z.url(),
      pattern: z.string().regex(/^[a-z]+$/),
      email: z.email(),
      level: z.enum(['a', 'b']),
      exact: z.literal('fixed'),
      n: z.number(),
      prefixed: z.string().startsWith('ab'),
    });
    const lines = linesFor(strict, {
      url: secret,
      pattern: secret,
      email: secret,
      level: secret,
      exact: secret,
      n: secret,
      prefixed: secret,
    });
    expect(lines).toHaveLength(7);
    for (const line of lines) expect(line).not.toContain(secret);
    expect(lines).toContain('modules.sqlite.config.pattern: must match the pattern /^[a-z]+$/');
    expect(lines).toContain('modules.sqlite.config.exact: must be fixed');
    expect(lines).toContain("modules.sqlite.config.prefixed: must start with 'ab'");
  });

  it('keeps custom messages written by the schema author', () => {
    const schema = z.strictObject({ topic: z.string().min(1, { error: 'needs a topic name' }) });
    expect(linesFor(schema, { topic: '' })).toEqual(['modules.sqlite.config.topic: needs a topic name']);
    const refined = z
      .strictObject({ a: z.string(), b: z.string().optional() })
      .refine((v) => v.b !== undefined, {
        error: "set 'b' too",
        path: ['b'],
      });
    expect(linesFor(refined, { a: 'x' })).toEqual(["modules.sqlite.config.b: set 'b' too"]);
  });

  it('reports the one plausible branch of a union', () => {
    const schema = z.strictObject({ allowed: z.union([z.string(), z.array(z.string().min(1))]) });
    expect(linesFor(schema, { allowed: [''] })).toEqual([
      'modules.sqlite.config.allowed[0]: must not be empty',
    ]);
    expect(linesFor(schema, { allowed: 3 })).toEqual([
      'modules.sqlite.config.allowed: does not match any allowed form',
    ]);
  });

  it('names the discriminator of a discriminated union', () => {
    const schema = z.strictObject({
      target: z.discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('a'), x: z.string() }),
        z.strictObject({ kind: z.literal('b'), y: z.string() }),
      ]),
    });
    expect(linesFor(schema, { target: { kind: 'c' } })).toEqual([
      'modules.sqlite.config.target.kind: must be one of a, b',
    ]);
    expect(linesFor(schema, { target: { kind: 'b' } })).toEqual(['modules.sqlite.config.target.y: required']);
  });

  it('reports invalid record keys', () => {
    const schema = z.strictObject({ services: z.record(z.string().regex(/^[a-z]+$/), z.string()) });
    expect(linesFor(schema, { services: { Bad1: 'x' } })).toEqual([
      'modules.sqlite.config.services.Bad1: invalid key: must match the pattern /^[a-z]+$/',
    ]);
  });

  it('works without a prefix', () => {
    const result = z.strictObject({ a: z.string() }).safeParse({ a: 1, b: 2 });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(formatZodIssues(result.error)).toEqual(['a: must be a string (got a number)', 'b: unknown key']);
    }
  });
});

describe('formatPath', () => {
  it('dots identifiers, brackets indices and quotes anything else', () => {
    expect(formatPath(['modules', 'task-queue', 'config'])).toBe('modules.task-queue.config');
    expect(formatPath(['argument_filters', 0, 'pattern'])).toBe('argument_filters[0].pattern');
    expect(formatPath(['rate_limits', 'per_tool', 'mcp_proxy.*'])).toBe(
      "rate_limits.per_tool['mcp_proxy.*']",
    );
    expect(formatPath(['a', "it's"])).toBe("a['it\\'s']");
    expect(formatPath([])).toBe('(top level)');
    expect(formatPath([0])).toBe('[0]');
  });
});

const warningsOf = (extra: Record<string, unknown>) =>
  parseManifest(JSON.stringify({ agent_type: 'x', modules: { fs: {} }, ...extra }), 'm.yml', {}).warnings;

describe('manifest warnings', () => {
  it('flags dotted globs, which never match a tool name', () => {
    expect(
      warningsOf({
        state_backend: { type: 'redis', url: 'redis://h/0' },
        rate_limits: { per_tool: { 'fs_*': '1/second', 'mcp_proxy.*': '2/second' } },
        hitl: { approval_required: ['fs.write_file', 'fs_delete_*'], shadow: ['a.b'] },
      }),
    ).toEqual([
      "rate_limits.per_tool['mcp_proxy.*']: dotted pattern will never match a tool name (tool names use '_')",
      "hitl.approval_required[0]: dotted pattern will never match a tool name (tool names use '_')",
      "hitl.shadow[0]: dotted pattern will never match a tool name (tool names use '_')",
    ]);
  });

  it('flags settings that are ignored', () => {
    expect(warningsOf({ credentials: { source: 'env', path: 's.yml' } })).toEqual([
      "credentials.path: ignored, because credentials.source is 'env'",
    ]);
    expect(warningsOf({ state_backend: { type: 'in_process', url: 'redis://h/0' } })).toEqual([
      "state_backend.url: ignored, because state_backend.type is 'in_process'",
    ]);
    expect(warningsOf({ hitl: { timeout_seconds: 10 } })).toEqual([
      'hitl: neither approval_required nor shadow lists a tool, so the block has no effect',
    ]);
  });

  it('stays quiet for a clean manifest', () => {
    expect(
      warningsOf({
        rate_limits: { global: '5/second', per_tool: { 'fs_*': '1/second' } },
        hitl: { shadow: ['fs_*'] },
      }),
    ).toEqual([]);
  });
});
