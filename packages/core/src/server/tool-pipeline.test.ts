import { callChannel, detachedSession } from '../module/client-channel.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AGENT } from '../__fixtures__/runtime-fixtures.js';
import { createSanitizer } from '../redact/sanitize.js';
import { createSecretRedactor } from '../redact/secrets.js';
import type { Middleware } from '../middleware/compose.js';
import { AuditUnavailableError, ToolInputError } from '../errors/errors.js';
import { DEFAULT_LIMITS } from '../manifest/schema.js';
import { defineTool } from '../module/define.js';
import type { AnyToolDefinition, ToolContext } from '../module/types.js';
import { captureLogger } from '@scoped-mcp/testing';
import { exposedToolName, type PipelineDeps, prepareTool } from './tool-pipeline.js';

function deps(overrides: Partial<PipelineDeps> = {}) {
  const audit: Record<string, unknown>[] = [];
  const ops: Record<string, unknown>[] = [];
  const secrets = ['pipeline-secret-42'];
  return {
    audit,
    ops,
    deps: {
      agent: AGENT,
      audit: captureLogger('audit', audit),
      ops: captureLogger('ops', ops),
      sanitizer: createSanitizer({ secrets }),
      redactor: createSecretRedactor(secrets),
      middleware: [],
      logArgs: true,
      maxArgumentDepth: 64,
      ...overrides,
    } satisfies PipelineDeps,
  };
}

const context = {
  agent: AGENT,
  instance: 'inst',
  config: { c: 1 },
  credentials: {},
  state: { s: 1 },
  log: captureLogger('ops', []),
  manifestDir: '/m',
  manifestPath: '/m/manifest.yml',
  resolvePath: (p: string) => p,
  session: detachedSession(),
  limits: DEFAULT_LIMITS,
} satisfies Omit<ToolContext<unknown, unknown>, 'signal' | 'client'>;

function env(signal: AbortSignal) {
  return { signal, client: callChannel(detachedSession()) };
}

describe('exposedToolName', () => {
  it('joins instance key and tool key with an underscore', () => {
    expect(exposedToolName('filesystem', 'read_file')).toBe('filesystem_read_file');
    expect(exposedToolName('my-fs', 'list')).toBe('my-fs_list');
  });
});

describe('prepareTool', () => {
  it('names the tool <instance>_<key> unless overridden', () => {
    const tool = defineTool({ mode: 'read', description: 'd', input: z.strictObject({}), handler: () => '' });
    const { deps: d } = deps();
    const prepared = prepareTool(
      { instance: 'inst', key: 'look', tool: tool as AnyToolDefinition, context },
      d,
    );
    expect(prepared).toMatchObject({ name: 'inst_look', instance: 'inst', key: 'look', mode: 'read' });
    expect(prepared.definition.name).toBe('inst_look');
    const renamed = prepareTool(
      { instance: '', key: 'x', name: 'plain', tool: tool as AnyToolDefinition, context },
      d,
    );
    expect(renamed.definition.name).toBe('plain');
  });

  it('gives each call its own signal on top of the shared context', async () => {
    const seen: ToolContext<unknown, unknown>[] = [];
    const tool = defineTool({
      mode: 'read',
      description: 'd',
      input: z.strictObject({}),
      handler: (_a: unknown, ctx: ToolContext<unknown, unknown>) => {
        seen.push(ctx);
        return 'ok';
      },
    });
    const { deps: d } = deps();
    const prepared = prepareTool(
      { instance: 'inst', key: 'look', tool: tool as AnyToolDefinition, context },
      d,
    );
    const one = new AbortController();
    const two = new AbortController();
    await prepared.invoke({}, env(one.signal));
    await prepared.invoke({}, env(two.signal));
    expect(seen[0]?.signal).toBe(one.signal);
    expect(seen[1]?.signal).toBe(two.signal);
    expect(seen[0]?.state).toEqual({ s: 1 });
    expect(seen[0]?.config).toEqual({ c: 1 });
    expect(context).not.toHaveProperty('signal');
  });

  it('gives the handler a context that a spread copies whole', async () => {
    let copied: Partial<ToolContext<unknown, unknown>> = {};
    const tool = defineTool({
      mode: 'read',
      description: 'd',
      input: z.strictObject({}),
      handler: (_a: unknown, ctx: ToolContext<unknown, unknown>) => {
        copied = { ...ctx };
        return 'ok';
      },
    });
    const { deps: d } = deps();
    const prepared = prepareTool(
      { instance: 'inst', key: 'look', tool: tool as AnyToolDefinition, context },
      d,
    );
    const controller = new AbortController();
    await prepared.invoke({}, env(controller.signal));
    expect(copied.agent).toBe(AGENT);
    expect(copied.config).toEqual({ c: 1 });
    expect(copied.state).toEqual({ s: 1 });
    expect(copied.signal).toBe(controller.signal);
    expect(copied.client).toBeDefined();
    expect(Object.keys(copied).sort()).toEqual([...Object.keys(context), 'client', 'signal'].sort());
  });

  it('hands the handler the parsed arguments, not the raw object', async () => {
    let received: unknown;
    const tool = defineTool({
      mode: 'write',
      description: 'd',
      input: z.object({ n: z.coerce.number(), flag: z.boolean().default(false) }),
      handler: (args: unknown) => {
        received = args;
        return '';
      },
    });
    const { deps: d } = deps();
    const raw = { n: '5', junk: 'dropped' };
    await prepareTool({ instance: 'i', key: 'k', tool: tool as AnyToolDefinition, context }, d).invoke(
      raw,
      env(new AbortController().signal),
    );
    expect(received).toEqual({ n: 5, flag: false });
    expect(raw).toEqual({ n: '5', junk: 'dropped' });
  });

  it('runs the middleware in order around the handler', async () => {
    const order: string[] = [];
    const layer =
      (name: string): Middleware =>
      async (_call, next) => {
        order.push(name);
        return next();
      };
    const tool = defineTool({
      mode: 'read',
      description: 'd',
      input: z.strictObject({}),
      handler: () => {
        order.push('handler');
        return '';
      },
    });
    const { deps: d } = deps({ middleware: [layer('first'), layer('second')] });
    await prepareTool({ instance: 'i', key: 'k', tool: tool as AnyToolDefinition, context }, d).invoke(
      {},
      env(new AbortController().signal),
    );
    expect(order).toEqual(['first', 'second', 'handler']);
  });

  it('sanitises audited arguments (credential-looking keys and known secrets)', async () => {
    const tool = defineTool({
      mode: 'read',
      description: 'd',
      input: z.object({}).passthrough(),
      handler: () => '',
    });
    const { deps: d, audit } = deps();
    await prepareTool({ instance: 'i', key: 'k', tool: tool as AnyToolDefinition, context }, d).invoke(
      { password: 'hunter2hunter2', note: 'see pipeline-secret-42', path: 'a.txt' },
      env(new AbortController().signal),
    );
    expect(audit[0]?.args).toEqual({ password: '<redacted>', note: 'see <redacted-secret>', path: 'a.txt' });
  });
});

describe('prepareTool: argument depth', () => {
  function nested(levels: number): unknown {
    let value: unknown = 'leaf';
    for (let i = 0; i < levels; i++) value = levels % 2 === 0 ? [value] : { a: value };
    return value;
  }

  /** A tool whose schema and handler record that they ran. */
  function recordingTool(seen: string[]) {
    return defineTool({
      mode: 'write',
      description: 'd',
      input: z.unknown().superRefine(() => {
        seen.push('schema');
      }),
      handler: () => {
        seen.push('handler');
        return 'ran';
      },
    }) as AnyToolDefinition;
  }

  it('refuses arguments nested 8,000 levels deep before the schema, the middleware or the handler', async () => {
    const seen: string[] = [];
    const chain: Middleware = async (_call, next) => {
      seen.push('middleware');
      return next();
    };
    const { deps: d, audit } = deps({ middleware: [chain] });
    const prepared = prepareTool({ instance: 'i', key: 'k', tool: recordingTool(seen), context }, d);
    const result = await prepared.invoke({ extra: nested(8000) }, env(new AbortController().signal));
    expect(result.isError).toBe(true);
    expect(result.content).toEqual([
      {
        type: 'text',
        text: "Arguments for 'i_k' nest deeper than 64 levels of objects and arrays (limits.max_argument_depth); send flatter arguments.",
      },
    ]);
    expect(result._meta).toEqual({
      'scoped-mcp/error': { code: 'SMCP_TOOL_INPUT', limit: { name: 'max_argument_depth', value: 64 } },
    });
    expect(seen).toEqual([]);
    // The audit line names the refusal and stays small: the sanitiser cuts the arguments at depth 8.
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ event: 'tool_error', error_code: 'SMCP_TOOL_INPUT', tool: 'i_k' });
    expect(JSON.stringify(audit[0]).length).toBeLessThan(1000);
  });

  it('accepts arguments exactly at the limit, the arguments object counted', async () => {
    const seen: string[] = [];
    const { deps: d } = deps({ maxArgumentDepth: 10 });
    const prepared = prepareTool({ instance: 'i', key: 'k', tool: recordingTool(seen), context }, d);
    const signal = new AbortController().signal;
    expect((await prepared.invoke({ a: nested(9) }, env(signal))).isError).toBeUndefined();
    expect(seen).toEqual(['schema', 'handler']);
    const refused = await prepared.invoke({ a: nested(10) }, env(signal));
    expect(refused._meta).toMatchObject({ 'scoped-mcp/error': { limit: { value: 10 } } });
  });

  it('passes a refused call through the admission middleware (the rate limit), so it counts', async () => {
    const seen: string[] = [];
    const admitted: string[] = [];
    const counting: Middleware = async (call, next) => {
      admitted.push(`${call.tool}:${JSON.stringify(call.args)}`);
      return next();
    };
    const { deps: d } = deps({ admission: [counting] });
    const prepared = prepareTool({ instance: 'i', key: 'k', tool: recordingTool(seen), context }, d);
    const result = await prepared.invoke({ a: nested(100) }, env(new AbortController().signal));
    expect(result._meta).toMatchObject({ 'scoped-mcp/error': { code: 'SMCP_TOOL_INPUT' } });
    expect(admitted).toEqual(['i_k:{}']);
    expect(seen).toEqual([]);
    // The admission middleware's own refusal wins, as the rate limit's does for any other call.
    const refusing: Middleware = async () => {
      throw new ToolInputError('rate limited stand-in');
    };
    const { deps: limited } = deps({ admission: [refusing] });
    const again = prepareTool({ instance: 'i', key: 'k', tool: recordingTool(seen), context }, limited);
    expect((await again.invoke({ a: nested(100) }, env(new AbortController().signal))).content).toEqual([
      { type: 'text', text: 'rate limited stand-in' },
    ]);
  });
});

describe('prepareTool: calls refused for their arguments', () => {
  const strictTool = (seen: string[]) =>
    defineTool({
      mode: 'write',
      description: 'd',
      input: z.strictObject({ path: z.string() }),
      handler: () => {
        seen.push('handler');
        return 'ran';
      },
    }) as AnyToolDefinition;

  it('passes a call whose arguments do not match the schema through the admission middleware, so it counts', async () => {
    const seen: string[] = [];
    const admitted: string[] = [];
    const counting: Middleware = async (call, next) => {
      admitted.push(`${call.tool}:${JSON.stringify(call.args)}`);
      return next();
    };
    const { deps: d, audit } = deps({ admission: [counting] });
    const prepared = prepareTool({ instance: 'i', key: 'k', tool: strictTool(seen), context }, d);
    const result = await prepared.invoke({ path: 7 }, env(new AbortController().signal));
    expect(result._meta).toMatchObject({ 'scoped-mcp/error': { code: 'SMCP_TOOL_INPUT' } });
    expect(admitted).toEqual(['i_k:{}']);
    expect(seen).toEqual([]);
    expect(audit).toEqual([expect.objectContaining({ event: 'tool_error', error_code: 'SMCP_TOOL_INPUT' })]);
  });

  it('caps the arguments an audit line records, in total, whatever the call sends', async () => {
    const seen: string[] = [];
    const { deps: d, audit } = deps({ maxAuditArgsBytes: 4096 });
    const prepared = prepareTool({ instance: 'i', key: 'k', tool: strictTool(seen), context }, d);
    // 100 keys of 100 keys of 500-character strings: each part within the sanitiser's own limits, ~5 MB in all.
    const wide = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [
        `k${i}`,
        Object.fromEntries(Array.from({ length: 100 }, (_, j) => [`v${j}`, 'x'.repeat(500)])),
      ]),
    );
    const result = await prepared.invoke(wide, env(new AbortController().signal));
    expect(result.isError).toBe(true);
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]?.args).length).toBeLessThanOrEqual(4096);
    // The rest of the line: the fixed fields and the (bounded) description of the schema mismatch.
    expect(JSON.stringify(audit[0]).length).toBeLessThan(4096 + 2000);
    expect(audit[0]?.args_cut_from).toBeGreaterThan(4_000_000);
    expect(JSON.stringify(audit[0]?.args)).toContain('more');
  });
});

describe('prepareTool: fail closed on the audit log', () => {
  /** An audit logger that refuses the events named, as a full disk would. */
  function failingAudit(failOn: ReadonlySet<string>, lines: Record<string, unknown>[]) {
    const write = (level: string) => (fields: object, event: string) => {
      if (failOn.has(event)) {
        const error = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        throw new AuditUnavailableError(false, error);
      }
      lines.push({ ...fields, event, level });
    };
    return { info: write('info'), warn: write('warn'), error: write('error') };
  }

  const tool = (mode: 'read' | 'write', seen: string[]) =>
    defineTool({
      mode,
      description: 'd',
      input: z.strictObject({ path: z.string() }),
      handler: () => {
        seen.push('handler');
        return 'done';
      },
    }) as AnyToolDefinition;

  it('writes a line before a write-mode tool runs, and refuses the call when that line cannot be written', async () => {
    const seen: string[] = [];
    const lines: Record<string, unknown>[] = [];
    const { deps: d, ops } = deps({ audit: failingAudit(new Set(['tool_call_started']), lines) });
    const prepared = prepareTool({ instance: 'i', key: 'w', tool: tool('write', seen), context }, d);
    const result = await prepared.invoke({ path: 'a' }, env(new AbortController().signal));
    expect(seen).toEqual([]);
    expect(result.isError).toBe(true);
    expect(result._meta).toMatchObject({ 'scoped-mcp/error': { code: 'SMCP_AUDIT_UNAVAILABLE' } });
    expect(result.content).toEqual([
      { type: 'text', text: expect.stringMatching(/refused and did not run \(fail closed\)/) },
    ]);
    expect(ops).toEqual([
      expect.objectContaining({ event: 'audit_write_failed', tool: 'i_w', ran: false, error_code: 'ENOSPC' }),
    ]);
  });

  it('announces a write-mode call with its arguments before it runs, and only once every check passed', async () => {
    const seen: string[] = [];
    const order: string[] = [];
    const lines: Record<string, unknown>[] = [];
    const audit = failingAudit(new Set(), lines);
    const watching: Middleware = async (_call, next) => {
      order.push(`middleware, ${lines.length} lines`);
      return next();
    };
    const { deps: d } = deps({ audit, middleware: [watching] });
    const prepared = prepareTool({ instance: 'i', key: 'w', tool: tool('write', seen), context }, d);
    await prepared.invoke({ path: 'a' }, env(new AbortController().signal));
    expect(order).toEqual(['middleware, 0 lines']);
    expect(lines.map((l) => [l.event, l.args])).toEqual([
      ['tool_call_started', { path: 'a' }],
      ['tool_call', { path: 'a' }],
    ]);
    // A read tool changes nothing: its one line comes after it ran.
    const read = prepareTool({ instance: 'i', key: 'r', tool: tool('read', seen), context }, d);
    lines.length = 0;
    await read.invoke({ path: 'a' }, env(new AbortController().signal));
    expect(lines.map((l) => l.event)).toEqual(['tool_call']);
  });

  it('withholds the result of a call whose closing line cannot be written, saying that it ran', async () => {
    const seen: string[] = [];
    const lines: Record<string, unknown>[] = [];
    const { deps: d, ops } = deps({ audit: failingAudit(new Set(['tool_call']), lines) });
    const prepared = prepareTool({ instance: 'i', key: 'r', tool: tool('read', seen), context }, d);
    const result = await prepared.invoke({ path: 'a' }, env(new AbortController().signal));
    expect(seen).toEqual(['handler']);
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).not.toContain('done');
    expect(result.content).toEqual([{ type: 'text', text: expect.stringMatching(/^The call ran, but/) }]);
    expect(ops).toEqual([expect.objectContaining({ event: 'audit_write_failed', ran: true })]);
  });

  it('refuses a call whose refusal cannot be audited either, with the audit error', async () => {
    const seen: string[] = [];
    const lines: Record<string, unknown>[] = [];
    const { deps: d } = deps({ audit: failingAudit(new Set(['tool_error']), lines) });
    const prepared = prepareTool({ instance: 'i', key: 'w', tool: tool('write', seen), context }, d);
    const result = await prepared.invoke({ path: 1 }, env(new AbortController().signal));
    expect(result._meta).toMatchObject({ 'scoped-mcp/error': { code: 'SMCP_AUDIT_UNAVAILABLE' } });
  });
});
