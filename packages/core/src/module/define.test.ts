import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  defineModule,
  defineTool,
  isRawResult,
  isScopedMcpModule,
  rawResult,
  toolFactory,
} from './define.js';
import { MODULE_BRAND } from './types.js';

const ping = defineTool({
  mode: 'read',
  description: 'ping',
  input: z.strictObject({}),
  handler: () => 'pong',
});

function moduleWith(overrides: Record<string, unknown>) {
  return {
    name: 'demo',
    description: 'demo',
    config: z.strictObject({}),
    tools: { ping },
    ...overrides,
  } as Parameters<typeof defineModule>[0];
}

describe('defineModule', () => {
  it('accepts a check function and refuses a check that is not one', () => {
    const check = () => [];
    expect(defineModule(moduleWith({ check })).check).toBe(check);
    expect(() => defineModule(moduleWith({ check: ['not a function'] }))).toThrow(
      "module 'demo': check must be a function",
    );
  });

  it('returns a frozen plain object branded with the registered symbol', () => {
    const module = defineModule(moduleWith({}));
    expect(module[MODULE_BRAND]).toBe(1);
    expect(MODULE_BRAND).toBe(Symbol.for('scoped-mcp.module'));
    expect(Object.isFrozen(module)).toBe(true);
    expect(Object.getPrototypeOf(module)).toBe(Object.prototype);
    expect(module.tools.ping).toBe(ping);
    expect(isScopedMcpModule(module)).toBe(true);
  });

  it.each(['Demo', 'my-module', '1demo', '_demo', '', 'demo module', 'démo'])(
    'refuses the module name %j',
    (name) => {
      expect(() => defineModule(moduleWith({ name }))).toThrow(/must be snake_case/);
    },
  );

  it.each(['slack_webhook', 'a', 'mcp_proxy2'])('accepts the module name %j', (name) => {
    expect(defineModule(moduleWith({ name })).name).toBe(name);
  });

  it.each(['ReadFile', 'read-file', '1read', '_read', 'read file', ''])('refuses the tool key %j', (key) => {
    expect(() => defineModule(moduleWith({ tools: { [key]: ping } }))).toThrow(
      `tool key '${key}' must be snake_case`,
    );
  });

  it.each([undefined, 'admin', 'READ', ''])('refuses the tool mode %j', (mode) => {
    expect(() => defineModule(moduleWith({ tools: { ping: { ...ping, mode } } }))).toThrow(
      "tool 'ping' needs mode 'read' or 'write'",
    );
  });

  it('accepts a module with no tools', () => {
    expect(Object.keys(defineModule(moduleWith({ tools: {} })).tools)).toEqual([]);
  });

  it('reads omitted tools as none, and keeps a plain tools object', () => {
    const module = defineModule(moduleWith({ tools: undefined }));
    expect(module.tools).toEqual({});
    expect(isScopedMcpModule(module)).toBe(true);
  });

  it('builds tools from `tools: (tool) => …`, typed by config and setup, a plain object at run time', () => {
    const module = defineModule({
      name: 'demo',
      description: 'demo',
      config: z.strictObject({ dir: z.string().default('data') }),
      setup: (ctx) => ({ opened: ctx.config.dir, count: 1 }),
      tools: (tool) => ({
        look: tool({
          mode: 'read',
          description: 'look',
          input: z.strictObject({ path: z.string(), depth: z.number().optional() }),
          handler(args, ctx) {
            expectTypeOf(args).toEqualTypeOf<{ path: string; depth?: number | undefined }>();
            expectTypeOf(ctx.config.dir).toBeString();
            expectTypeOf(ctx.state.opened).toBeString();
            expectTypeOf(ctx.state.count).toBeNumber();
            return `${ctx.state.opened}/${args.path}`;
          },
        }),
        put: tool({
          mode: 'write',
          description: 'put',
          input: z.strictObject({}),
          handler: (_args, ctx) => ctx.state.count,
        }),
      }),
    });
    expect(typeof module.tools).toBe('object');
    expect(Object.keys(module.tools)).toEqual(['look', 'put']);
    expect(module.tools.look?.mode).toBe('read');
    expect(isScopedMcpModule(module)).toBe(true);
  });

  it('checks the names and modes of built tools as of listed ones', () => {
    expect(() => defineModule(moduleWith({ tools: () => ({ 'Bad-Key': ping }) }))).toThrow(
      "tool key 'Bad-Key' must be snake_case",
    );
    expect(() => defineModule(moduleWith({ tools: () => ({ ping: { ...ping, mode: 'admin' } }) }))).toThrow(
      "tool 'ping' needs mode 'read' or 'write'",
    );
  });

  it('keeps the CLI commands a module contributes, with their config type', () => {
    const module = defineModule({
      name: 'demo',
      description: 'demo',
      config: z.strictObject({ dir: z.string().default('x') }),
      tools: {},
      commands: {
        'show-dirs': {
          summary: 'print each instance directory',
          usage: '--manifest PATH',
          run(ctx) {
            expectTypeOf(ctx.instances[0]!.config.dir).toBeString();
            for (const instance of ctx.instances) ctx.out(instance.config.dir);
            return 0;
          },
        },
      },
    });
    expect(Object.keys(module.commands ?? {})).toEqual(['show-dirs']);
  });

  it.each(['Sync', 'sync_all', '1sync', '-sync', '', 'sync all'])('refuses the command word %j', (word) => {
    const command = { summary: 's', usage: '', run: () => 0 };
    expect(() => defineModule(moduleWith({ commands: { [word]: command } }))).toThrow(
      `command '${word}' must be lower-case`,
    );
  });

  it('refuses a command without run()', () => {
    expect(() => defineModule(moduleWith({ commands: { sync: { summary: 's', usage: '' } } }))).toThrow(
      "command 'sync' needs run()",
    );
  });

  it('keeps a notifier factory and refuses a notifier that is not a function', () => {
    const notifier = () => ({ notifier: { type: 'demo', notify: async () => undefined }, warnings: [] });
    expect(defineModule(moduleWith({ notifier })).notifier).toBe(notifier);
    expect(() => defineModule(moduleWith({ notifier: { notify() {} } }))).toThrow(
      "module 'demo': notifier must be a function",
    );
  });
});

describe('isScopedMcpModule', () => {
  it('accepts a hand-branded object (another copy of core)', () => {
    expect(isScopedMcpModule({ [Symbol.for('scoped-mcp.module')]: 1, name: 'x', tools: {} })).toBe(true);
  });

  it.each([
    ['null', null],
    ['a string', 'module'],
    ['an unbranded object', { name: 'x', tools: {} }],
    ['a brand of the wrong value', { [Symbol.for('scoped-mcp.module')]: true, name: 'x', tools: {} }],
    ['a local symbol brand', { [Symbol('scoped-mcp.module')]: 1, name: 'x', tools: {} }],
    ['a string-keyed brand', { 'scoped-mcp.module': 1, name: 'x', tools: {} }],
    ['no name', { [Symbol.for('scoped-mcp.module')]: 1, tools: {} }],
    ['no tools', { [Symbol.for('scoped-mcp.module')]: 1, name: 'x' }],
  ])('refuses %s', (_label, value) => {
    expect(isScopedMcpModule(value)).toBe(false);
  });
});

describe('defineTool / toolFactory', () => {
  it('return the definition unchanged', () => {
    const definition = {
      mode: 'write' as const,
      description: 'd',
      input: z.object({ a: z.string() }),
      handler: () => 'x',
    };
    expect(defineTool(definition)).toBe(definition);
    expect(toolFactory<{ dir: string }, number>()(definition)).toBe(definition);
  });

  it('infer argument types from the input schema', () => {
    const tool = toolFactory<{ dir: string }, { count: number }>()({
      mode: 'read',
      description: 'd',
      input: z.object({ path: z.string(), depth: z.number().optional() }),
      handler(args, ctx) {
        expectTypeOf(args).toEqualTypeOf<{ path: string; depth?: number | undefined }>();
        expectTypeOf(ctx.config.dir).toBeString();
        expectTypeOf(ctx.state.count).toBeNumber();
        return args.path;
      },
    });
    expect(tool.mode).toBe('read');
  });
});

describe('rawResult', () => {
  it('marks a result to pass through untouched', () => {
    const inner = { content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }], isError: false };
    const raw = rawResult(inner);
    expect(isRawResult(raw)).toBe(true);
    expect(raw.result).toBe(inner);
  });

  it.each([
    ['a plain result', { content: [] }],
    ['a string', 'x'],
    ['null', null],
    ['a string-keyed marker', { 'scoped-mcp.raw-result': true, result: {} }],
    ['a JSON round trip of a raw result', JSON.parse(JSON.stringify(rawResult({ content: [] })))],
  ])('does not mistake %s for a raw result', (_label, value) => {
    expect(isRawResult(value)).toBe(false);
  });
});
