import { callChannel, detachedSession } from '../module/client-channel.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AGENT } from '../__fixtures__/runtime-fixtures.js';
import { createSanitizer } from '../redact/sanitize.js';
import { createSecretRedactor } from '../redact/secrets.js';
import type { Middleware } from '../middleware/compose.js';
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
