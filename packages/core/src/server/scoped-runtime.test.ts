import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AGENT, echoModule, RUNTIME } from '../__fixtures__/runtime-fixtures.js';
import { createHarness, harnessResult, moduleInstance } from '@scoped-mcp/testing';
import { ErrorCode } from '../errors/codes.js';
import { LimitExceededError, ScopeViolation, ToolFailure, ToolInputError } from '../errors/errors.js';
import type { Middleware, ToolCall } from '../middleware/compose.js';
import { defineModule, defineTool, rawResult } from '../module/define.js';
import type { ToolContext } from '../module/types.js';
import { STATUS_TOOL } from './scoped-runtime.js';

const SECRET = 'tok-9f8e7d6c5b4a3921';

function throwing(error: unknown) {
  return defineModule({
    name: 'thrower',
    description: 'throws',
    config: z.strictObject({}),
    tools: {
      run: defineTool({
        mode: 'read',
        description: 'throws',
        input: z.strictObject({ note: z.string().optional() }),
        handler: () => {
          throw error;
        },
      }),
    },
  });
}

describe('ScopedRuntime: startup', () => {
  it('finishes onStarted (the health file) before a request waiting for startup goes on', async () => {
    const order: string[] = [];
    const { runtime } = createHarness([moduleInstance('echo', echoModule)], {
      ...RUNTIME,
      onStarted: async (report) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push(`onStarted healthy=${report.healthy}`);
      },
    });
    const waiting = runtime.whenStarted().then(() => order.push('request goes on'));
    await runtime.start();
    await waiting;
    expect(order).toEqual(['onStarted healthy=true', 'request goes on']);
  });
});

describe('ScopedRuntime: tool table', () => {
  it('exposes <key>_<tool> for every instance plus the status tool', async () => {
    const { runtime } = createHarness(
      [moduleInstance('echo', echoModule), moduleInstance('second', echoModule)],
      RUNTIME,
    );
    await runtime.start();
    expect(runtime.toolNames()).toEqual([
      'echo_say',
      'echo_store',
      'second_say',
      'second_store',
      STATUS_TOOL,
    ]);
    expect(runtime.list().map((t) => t.name)).toEqual(runtime.toolNames());
  });

  it.each([
    ['read', ['r_say']],
    ['write', ['r_say', 'r_store']],
    [null, ['r_say', 'r_store']],
  ] as const)('mode %s registers %j', async (mode, tools) => {
    const { runtime } = createHarness([moduleInstance('r', echoModule, { mode })], RUNTIME);
    await runtime.start();
    expect(runtime.toolNames()).toEqual([...tools, STATUS_TOOL]);
  });

  it('refuses a write tool by name in read mode, audited, without running it', async () => {
    let ran = false;
    const module = defineModule({
      name: 'guarded',
      description: '',
      config: z.strictObject({}),
      tools: {
        look: defineTool({ mode: 'read', description: '', input: z.strictObject({}), handler: () => 'ok' }),
        wipe: defineTool({
          mode: 'write',
          description: '',
          input: z.strictObject({}),
          handler: () => {
            ran = true;
            return 'wiped';
          },
        }),
      },
    });
    const { runtime, audit, call } = createHarness([moduleInstance('g', module, { mode: 'read' })], RUNTIME);
    await runtime.start();
    const result = await call('g_wipe');
    expect(result.isError).toBe(true);
    expect(result.text).toContain("Unknown tool 'g_wipe'");
    expect(ran).toBe(false);
    expect(audit.at(-1)).toMatchObject({
      event: 'tool_error',
      tool: 'g_wipe',
      error_code: ErrorCode.toolNotFound,
    });
  });

  it('derives annotations from the mode', async () => {
    const module = defineModule({
      name: 'annotated',
      description: '',
      config: z.strictObject({}),
      tools: {
        look: defineTool({
          mode: 'read',
          title: 'Look',
          description: 'Looks.',
          input: z.strictObject({}),
          annotations: { destructiveHint: true, idempotentHint: true },
          handler: () => '',
        }),
        change: defineTool({ mode: 'write', description: '', input: z.strictObject({}), handler: () => '' }),
        append: defineTool({
          mode: 'write',
          description: '',
          input: z.strictObject({}),
          annotations: { destructiveHint: false, openWorldHint: true },
          handler: () => '',
        }),
      },
    });
    const { runtime } = createHarness([moduleInstance('m', module)], RUNTIME);
    await runtime.start();
    const byName = Object.fromEntries(runtime.list().map((t) => [t.name, t]));
    expect(byName.m_look).toMatchObject({ title: 'Look', description: 'Looks.' });
    expect(byName.m_look?.annotations).toEqual({
      readOnlyHint: true,
      destructiveHint: false,
      idempotentHint: true,
    });
    expect(byName.m_change?.annotations).toEqual({ readOnlyHint: false, destructiveHint: true });
    expect(byName.m_append?.annotations).toEqual({
      readOnlyHint: false,
      destructiveHint: false,
      openWorldHint: true,
    });
    expect(byName[STATUS_TOOL]?.annotations).toMatchObject({ readOnlyHint: true });
  });

  it('advertises the input JSON Schema without $schema', async () => {
    const { runtime } = createHarness([moduleInstance('echo', echoModule)], RUNTIME);
    await runtime.start();
    const say = runtime.list().find((t) => t.name === 'echo_say');
    expect(say?.inputSchema).toMatchObject({
      type: 'object',
      properties: {
        text: { type: 'string', maxLength: 100 },
        times: { type: 'integer', minimum: 1, default: 1 },
      },
      required: ['text'],
      additionalProperties: false,
    });
    expect(say?.inputSchema).not.toHaveProperty('$schema');
  });
});

describe('ScopedRuntime: calls', () => {
  it('runs a tool and audits tool_call with status ok and the arguments', async () => {
    const { runtime, audit, call } = createHarness([moduleInstance('echo', echoModule)], RUNTIME);
    await runtime.start();
    const result = await call('echo_say', { text: 'ab', times: 2 });
    expect(result.raw).toEqual({ content: [{ type: 'text', text: 'abab' }] });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      event: 'tool_call',
      level: 'info',
      logger: 'audit',
      status: 'ok',
      tool: 'echo_say',
      args: { text: 'ab', times: 2 },
      agent_id: AGENT.id,
      session_id: AGENT.sessionId,
    });
    expect(typeof audit[0]?.elapsed_ms).toBe('number');
  });

  it('sends non-string results as JSON text', async () => {
    const { runtime, call } = createHarness([moduleInstance('echo', echoModule)], RUNTIME);
    await runtime.start();
    expect((await call('echo_store', { key: 'k', value: 1 })).text).toBe('{"stored":"k"}');
  });

  it('passes a raw result through unchanged', async () => {
    const passthrough = {
      content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }],
      structuredContent: { a: 1 },
      isError: true,
    };
    const module = defineModule({
      name: 'raw',
      description: '',
      config: z.strictObject({}),
      tools: {
        get: defineTool({
          mode: 'read',
          description: '',
          input: z.strictObject({}),
          handler: () => rawResult(passthrough),
        }),
      },
    });
    const { runtime, call } = createHarness([moduleInstance('raw', module)], RUNTIME);
    await runtime.start();
    expect((await call('raw_get')).raw).toEqual(passthrough);
  });

  it.each([
    [{}, 'text'],
    [{ text: 5 }, 'text'],
    [{ text: 'x', times: 0 }, 'times'],
    [{ text: 'x'.repeat(101) }, 'text'],
    [{ text: 'x', extra: true }, 'extra'],
  ])('refuses bad arguments %j in one line naming %s, audited', async (args, argument) => {
    const { runtime, audit, call } = createHarness([moduleInstance('echo', echoModule)], RUNTIME);
    await runtime.start();
    const result = await call('echo_say', args);
    expect(result.isError).toBe(true);
    const text = result.text;
    expect(text).toMatch(/^Invalid arguments for 'echo_say': /);
    expect(text).toContain(argument);
    expect(text).not.toContain('\n');
    expect(audit.at(-1)).toMatchObject({
      event: 'tool_error',
      level: 'error',
      status: 'error',
      tool: 'echo_say',
      error_code: ErrorCode.toolInput,
    });
  });

  it('does not quote the offending value in an argument error', async () => {
    const module = defineModule({
      name: 'picky',
      description: '',
      config: z.strictObject({}),
      tools: {
        pick: defineTool({
          mode: 'read',
          description: '',
          input: z.strictObject({ colour: z.enum(['red', 'blue']), n: z.number() }),
          handler: () => '',
        }),
      },
    });
    const { runtime, call } = createHarness([moduleInstance('p', module)], RUNTIME);
    await runtime.start();
    const text = (await call('p_pick', { colour: 'VALUE-FROM-AGENT', n: 'ANOTHER-VALUE' })).text;
    expect(text).toContain('colour');
    expect(text).not.toContain('VALUE-FROM-AGENT');
    expect(text).not.toContain('ANOTHER-VALUE');
  });

  it('caps the listed argument issues at five', async () => {
    const module = defineModule({
      name: 'many',
      description: '',
      config: z.strictObject({}),
      tools: {
        go: defineTool({
          mode: 'read',
          description: '',
          input: z.strictObject(
            Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => [k, z.string()])),
          ),
          handler: () => '',
        }),
      },
    });
    const { runtime, call } = createHarness([moduleInstance('m', module)], RUNTIME);
    await runtime.start();
    expect((await call('m_go', {})).text).toMatch(/\(\+2 more\)$/);
  });

  it('treats missing arguments as {} and refuses non-object arguments', async () => {
    const { runtime } = createHarness([moduleInstance('echo', echoModule)], RUNTIME);
    await runtime.start();
    const signal = new AbortController().signal;
    const store = await runtime.call(STATUS_TOOL, undefined, { signal });
    expect(store.isError).toBeUndefined();
    const bad = await runtime.call('echo_say', 'just a string', { signal });
    expect(bad.isError).toBe(true);
    expect(harnessResult(bad).text).toMatch(/^Invalid arguments for 'echo_say'/);
  });

  it('maps ScopeViolation to an audited scope_violation with status blocked', async () => {
    const { runtime, audit, call } = createHarness(
      [moduleInstance('t', throwing(new ScopeViolation("Path 'x/../..' is outside your directory")))],
      RUNTIME,
    );
    await runtime.start();
    const result = await call('t_run', { note: 'n' });
    expect(result.raw).toEqual({
      content: [{ type: 'text', text: "Path 'x/../..' is outside your directory" }],
      isError: true,
      _meta: { 'scoped-mcp/error': { code: 'SMCP_SCOPE_VIOLATION' } },
    });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      event: 'scope_violation',
      level: 'warn',
      status: 'blocked',
      tool: 't_run',
      error: "Path 'x/../..' is outside your directory",
      args: { note: 'n' },
    });
  });

  it.each([
    [new ToolInputError('bad input'), ErrorCode.toolInput],
    [new LimitExceededError('too many rows (max 100)'), ErrorCode.limitExceeded],
    [new ToolFailure('backend said no'), ErrorCode.toolFailed],
  ])('shows the message of a deliberate %s and audits its code', async (error, code) => {
    const { runtime, audit, call } = createHarness([moduleInstance('t', throwing(error))], RUNTIME);
    await runtime.start();
    const result = await call('t_run');
    expect(result.raw).toEqual({
      content: [{ type: 'text', text: error.message }],
      isError: true,
      _meta: { 'scoped-mcp/error': { code } },
    });
    expect(audit[0]).toMatchObject({
      event: 'tool_error',
      status: 'error',
      error_code: code,
      // The reference's form: `error` is the type; the message is next to it.
      error: error.name,
      error_message: error.message,
    });
  });

  it.each([
    ['an Error', new Error('ENOENT: open /srv/agents/agent-b/private.db')],
    ['a string', 'ENOENT: open /srv/agents/agent-b/private.db'],
    [
      'an unbranded look-alike',
      Object.assign(new Error('ENOENT: open /srv/agents/agent-b/private.db'), {
        code: ErrorCode.scopeViolation,
      }),
    ],
  ])('hides the detail of an unexpected error (%s) behind a reference id', async (_label, error) => {
    const { runtime, audit, ops, call } = createHarness([moduleInstance('t', throwing(error))], RUNTIME);
    await runtime.start();
    const result = await call('t_run');
    expect(result.isError).toBe(true);
    const text = result.text;
    const ref =
      /^Tool 't_run' failed unexpectedly \(ref ([0-9a-f]{8})\); the operator's log has the details\.$/.exec(
        text,
      )?.[1];
    expect(ref).toBeDefined();
    expect(text).not.toContain('/srv');
    expect(text).not.toContain('ENOENT');
    const detail = ops.find((r) => r.event === 'tool_failed_unexpectedly');
    expect(detail).toMatchObject({
      ref,
      tool: 't_run',
      // errorLine: the error's name first, when it has one.
      error: expect.stringMatching(/^(Error: )?ENOENT: open \/srv\/agents\/agent-b\/private\.db$/),
    });
    expect(String(detail?.stack)).toContain('ENOENT');
    expect(audit[0]).toMatchObject({
      event: 'tool_error',
      status: 'error',
      error_code: ErrorCode.toolFailedUnexpectedly,
      ref,
    });
    expect(result.raw._meta).toEqual({ 'scoped-mcp/error': { code: 'SMCP_TOOL_FAILED_UNEXPECTEDLY', ref } });
    expect(JSON.stringify(audit[0])).not.toContain('/srv/agents');
  });

  it('uses a fresh reference id per failure', async () => {
    const { runtime, call } = createHarness([moduleInstance('t', throwing(new Error('x')))], RUNTIME);
    await runtime.start();
    expect((await call('t_run')).text).not.toBe((await call('t_run')).text);
  });

  it('leaves arguments out of every audit line with log_args false', async () => {
    const { runtime, audit, call } = createHarness(
      [moduleInstance('echo', echoModule), moduleInstance('t', throwing(new ScopeViolation('no')))],
      { ...RUNTIME, logArgs: false },
    );
    await runtime.start();
    await call('echo_say', { text: 'private words' });
    await call('echo_say', { text: 5 });
    await call('t_run', { note: 'private words' });
    expect(audit.map((r) => r.event)).toEqual(['tool_call', 'tool_error', 'scope_violation']);
    for (const record of audit) expect(record).not.toHaveProperty('args');
    expect(JSON.stringify(audit)).not.toContain('private words');
  });

  it('answers an unknown tool with isError and an audit line', async () => {
    const { runtime, audit, call } = createHarness([moduleInstance('echo', echoModule)], RUNTIME);
    await runtime.start();
    const result = await call('nope_tool', { a: 1 });
    expect(result.raw).toEqual({
      content: [
        { type: 'text', text: "Unknown tool 'nope_tool'. Call tools/list for the tools this agent may use." },
      ],
      isError: true,
      _meta: { 'scoped-mcp/error': { code: 'SMCP_TOOL_NOT_FOUND' } },
    });
    expect(audit).toEqual([
      expect.objectContaining({
        event: 'tool_error',
        status: 'error',
        tool: 'nope_tool',
        error_code: ErrorCode.toolNotFound,
      }),
    ]);
    const long = await call('x'.repeat(5000));
    expect(long.text.length).toBeLessThan(300);
    expect(String(audit.at(-1)?.tool).length).toBe(200);
  });

  it('gives the handler its context: agent, instance, config, credentials, state, signal, resolvePath', async () => {
    let seen: ToolContext<unknown, unknown> | undefined;
    const module = defineModule({
      name: 'ctx',
      description: '',
      config: z.strictObject({ dir: z.string() }),
      credentials: { required: ['KEY'] },
      setup: () => ({ pool: 'p' }),
      tools: {
        look: defineTool({
          mode: 'read',
          description: '',
          input: z.strictObject({}),
          handler: (_args, ctx) => {
            seen = ctx as ToolContext<unknown, unknown>;
            return 'ok';
          },
        }),
      },
    });
    const { runtime } = createHarness(
      [
        moduleInstance('mine', module, {
          config: { dir: 'data' },
          credentials: { KEY: 'credential-value-1' },
        }),
      ],
      { ...RUNTIME, manifestDir: '/srv/manifests/research' },
    );
    await runtime.start();
    const controller = new AbortController();
    await runtime.call('mine_look', {}, { signal: controller.signal });
    expect(seen?.agent).toBe(AGENT);
    expect(seen?.instance).toBe('mine');
    expect(seen?.config).toEqual({ dir: 'data' });
    expect(seen?.credentials).toEqual({ KEY: 'credential-value-1' });
    expect(seen?.state).toEqual({ pool: 'p' });
    expect(seen?.signal).toBe(controller.signal);
    expect(seen?.manifestDir).toBe('/srv/manifests/research');
    expect(seen?.resolvePath('data/x.db')).toBe('/srv/manifests/research/data/x.db');
    expect(seen?.resolvePath('../shared')).toBe('/srv/manifests/shared');
    expect(seen?.resolvePath('/abs/x')).toBe('/abs/x');
  });

  it('runs middleware with the parsed arguments, after input parsing', async () => {
    const calls: ToolCall[] = [];
    const record: Middleware = async (call, next) => {
      calls.push(call);
      return next();
    };
    const { runtime, call } = createHarness([moduleInstance('echo', echoModule, { mode: 'read' })], {
      ...RUNTIME,
      middleware: [record],
    });
    await runtime.start();
    await call('echo_say', { text: 'x' });
    await call('echo_say', { text: 7 });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      tool: 'echo_say',
      instance: 'echo',
      mode: 'read',
      args: { text: 'x', times: 1 },
    });
    expect(calls[0]?.agent).toBe(AGENT);
  });

  it('audits a middleware refusal as blocked and never runs the handler', async () => {
    let ran = false;
    const module = defineModule({
      name: 'm',
      description: '',
      config: z.strictObject({}),
      tools: {
        go: defineTool({
          mode: 'write',
          description: '',
          input: z.strictObject({}),
          handler: () => {
            ran = true;
            return 'ran';
          },
        }),
      },
    });
    const deny: Middleware = async () => {
      throw new ScopeViolation('blocked by argument filter');
    };
    const { runtime, audit, call } = createHarness([moduleInstance('m', module)], {
      ...RUNTIME,
      middleware: [deny],
    });
    await runtime.start();
    const result = await call('m_go');
    expect(result.raw).toMatchObject({ isError: true, content: [{ text: 'blocked by argument filter' }] });
    expect(ran).toBe(false);
    expect(audit[0]).toMatchObject({ event: 'scope_violation', status: 'blocked' });
  });
});

describe('ScopedRuntime: secrets never reach the agent', () => {
  const leaky = defineModule({
    name: 'leaky',
    description: '',
    config: z.strictObject({}),
    credentials: { required: ['API_TOKEN'] },
    tools: {
      text: defineTool({
        mode: 'read',
        description: '',
        input: z.strictObject({}),
        handler: (_a, ctx) => `token is ${ctx.credentials.API_TOKEN}`,
      }),
      json: defineTool({
        mode: 'read',
        description: '',
        input: z.strictObject({}),
        handler: (_a, ctx) => ({ headers: { authorization: `Bearer ${ctx.credentials.API_TOKEN}` } }),
      }),
      raw: defineTool({
        mode: 'read',
        description: '',
        input: z.strictObject({}),
        handler: (_a, ctx) =>
          rawResult({
            content: [{ type: 'text', text: `upstream echoed ${ctx.credentials.API_TOKEN}` }],
            structuredContent: { echoed: ctx.credentials.API_TOKEN },
          }),
      }),
      fail: defineTool({
        mode: 'read',
        description: '',
        input: z.strictObject({}),
        handler: (_a, ctx) => {
          throw new ToolFailure(`login failed for token ${ctx.credentials.API_TOKEN}`);
        },
      }),
      crash: defineTool({
        mode: 'read',
        description: '',
        input: z.strictObject({}),
        handler: (_a, ctx) => {
          throw new Error(`request to https://x/?key=${ctx.credentials.API_TOKEN} failed`);
        },
      }),
      echo: defineTool({
        mode: 'read',
        description: '',
        input: z.strictObject({ q: z.string() }),
        handler: () => 'ok',
      }),
    },
  });

  async function leakyRuntime() {
    const fixture = createHarness([moduleInstance('leaky', leaky, { credentials: { API_TOKEN: SECRET } })], {
      ...RUNTIME,
      secrets: [SECRET],
    });
    await fixture.runtime.start();
    return fixture;
  }

  it.each(['leaky_text', 'leaky_json', 'leaky_raw', 'leaky_fail'])(
    'redacts the credential from %s',
    async (tool) => {
      const { call, ops } = await leakyRuntime();
      const result = await call(tool);
      expect(JSON.stringify(result)).not.toContain(SECRET);
      expect(JSON.stringify(result)).toContain('<redacted-secret>');
      if (tool !== 'leaky_fail')
        expect(ops.some((r) => r.event === 'secret_redacted_from_result')).toBe(true);
    },
  );

  // mcp_proxy passes upstream results through as raw results; an upstream that echoes the credential in
  // an embedded resource or a resource link must be caught as well as one that echoes it in a text block.
  it('redacts the credential from non-text blocks of a raw result', async () => {
    const module = defineModule({
      name: 'proxy',
      description: '',
      config: z.strictObject({}),
      credentials: { required: ['UPSTREAM_TOKEN'] },
      tools: {
        fetch: defineTool({
          mode: 'read',
          description: '',
          input: z.strictObject({}),
          handler: (_a, ctx) =>
            rawResult({
              content: [
                {
                  type: 'resource',
                  resource: {
                    uri: 'mem://x',
                    mimeType: 'text/plain',
                    text: `auth ${ctx.credentials.UPSTREAM_TOKEN}`,
                  },
                },
                {
                  type: 'resource_link',
                  uri: `https://api.example/?token=${ctx.credentials.UPSTREAM_TOKEN}`,
                  name: 'link',
                },
              ],
            }),
        }),
      },
    });
    const { runtime, call } = createHarness(
      [moduleInstance('proxy', module, { credentials: { UPSTREAM_TOKEN: SECRET } })],
      { ...RUNTIME, secrets: [SECRET] },
    );
    await runtime.start();
    expect(JSON.stringify(await call('proxy_fetch'))).not.toContain(SECRET);
  });

  it('keeps the credential out of audit and ops lines', async () => {
    const { call, audit, ops } = await leakyRuntime();
    await call('leaky_fail');
    await call('leaky_crash');
    await call('leaky_echo', { q: `the agent pasted ${SECRET}` });
    await call(`leaky_${SECRET}`);
    expect(audit).toHaveLength(4);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    expect(JSON.stringify(ops)).not.toContain(SECRET);
    expect(ops.find((r) => r.event === 'tool_failed_unexpectedly')?.error).toContain('<redacted-secret>');
  });

  it('redacts the credential from the status report of a module whose setup failed', async () => {
    const module = defineModule({
      name: 'bad_setup',
      description: '',
      config: z.strictObject({}),
      setup: () => {
        throw new Error(`auth rejected ${SECRET}`);
      },
      tools: {},
    });
    const { runtime, call } = createHarness([moduleInstance('b', module)], { ...RUNTIME, secrets: [SECRET] });
    await runtime.start();
    const text = (await call(STATUS_TOOL)).text;
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text).modules.b).toMatchObject({ status: 'failed_startup', error_type: 'Error' });
    // The agent reads why the module failed, never the credential in it.
    expect(JSON.parse(text).modules.b.error).toBe('Error: auth rejected <redacted-secret>');
  });
});

describe('ScopedRuntime: lifecycle and fault isolation', () => {
  function lifecycleModule(
    name: string,
    log: string[],
    behaviour: { setup?: () => unknown; teardown?: () => unknown } = {},
  ) {
    return defineModule({
      name,
      description: '',
      config: z.strictObject({}),
      setup: async () => {
        log.push(`setup ${name}`);
        return behaviour.setup ? behaviour.setup() : { of: name };
      },
      teardown: async (state) => {
        log.push(`teardown ${name} ${JSON.stringify(state)}`);
        await behaviour.teardown?.();
      },
      tools: {
        ping: defineTool({ mode: 'read', description: '', input: z.strictObject({}), handler: () => name }),
      },
    });
  }

  it('keeps serving the other modules when one setup fails (failed_startup)', async () => {
    const log: string[] = [];
    const broken = lifecycleModule('broken', log, {
      setup: () => {
        throw new Error('cannot connect');
      },
    });
    const { runtime, ops, call } = createHarness(
      [moduleInstance('ok', lifecycleModule('ok', log)), moduleInstance('broken', broken)],
      RUNTIME,
    );
    const report = await runtime.start();
    expect(report).toEqual({
      modules: {
        ok: { status: 'running', type: 'ok', tool_count: 1 },
        broken: {
          status: 'failed_startup',
          type: 'broken',
          tool_count: 0,
          error_type: 'Error',
          error: 'Error: cannot connect',
        },
      },
      failed_count: 1,
      total_count: 2,
      healthy: false,
    });
    expect(runtime.toolNames()).toEqual(['ok_ping', STATUS_TOOL]);
    expect((await call('ok_ping')).text).toBe('ok');
    expect((await call('broken_ping')).isError).toBe(true);
    expect(ops.find((r) => r.event === 'module_startup_failed')).toMatchObject({
      module: 'broken',
      error: 'Error: cannot connect',
    });
    expect(ops.find((r) => r.event === 'modules_degraded')).toMatchObject({
      failed_modules: ['broken'],
      total_count: 2,
    });
  });

  it('runs setups concurrently', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const waiter = lifecycleModule('waiter', [], { setup: () => gate });
    const opener = lifecycleModule('opener', [], { setup: () => release() });
    const { runtime } = createHarness(
      [moduleInstance('waiter', waiter), moduleInstance('opener', opener)],
      RUNTIME,
    );
    const report = await Promise.race([
      runtime.start(),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('setups ran one after another')), 1000),
      ),
    ]);
    expect(report.healthy).toBe(true);
  });

  it('reports import and init failures from assembly without running setup', async () => {
    const { runtime } = createHarness(
      [
        moduleInstance('gone', undefined, {
          type: 'gone',
          failure: { status: 'failed_import', error: 'Error: import failed' },
        }),
        moduleInstance('cfg', echoModule, {
          failure: { status: 'failed_init', error: 'modules.cfg.config.x: required' },
        }),
        moduleInstance('echo', echoModule),
      ],
      RUNTIME,
    );
    const report = await runtime.start();
    expect(report.modules.gone).toEqual({
      status: 'failed_import',
      type: 'gone',
      tool_count: 0,
      error_type: 'Error',
      error: 'Error: import failed',
    });
    expect(report.modules.cfg).toMatchObject({ status: 'failed_init', tool_count: 0 });
    expect(report.failed_count).toBe(2);
    expect(runtime.toolNames()).toEqual(['echo_say', 'echo_store', STATUS_TOOL]);
  });

  it('leaves optional modules out of failed_count and healthy', async () => {
    const broken = lifecycleModule('broken', [], {
      setup: () => {
        throw new Error('offline');
      },
    });
    const { runtime, call } = createHarness(
      [
        moduleInstance('echo', echoModule),
        moduleInstance('opt', broken, { optional: true }),
        moduleInstance('opt2', undefined, {
          optional: true,
          failure: { status: 'failed_import', error: 'x: y' },
        }),
      ],
      RUNTIME,
    );
    const report = await runtime.start();
    expect(report).toMatchObject({
      failed_count: 0,
      total_count: 3,
      healthy: true,
      offline_optional_modules: ['opt', 'opt2'],
    });
    expect(report.modules.opt).toMatchObject({ status: 'failed_startup', optional: true });
    expect(JSON.parse((await call(STATUS_TOOL)).text)).toEqual(runtime.status());
  });

  it('tears modules down in reverse order with their state, once', async () => {
    const log: string[] = [];
    const { runtime } = createHarness(
      ['a', 'b', 'c'].map((k) => moduleInstance(k, lifecycleModule(k, log))),
      RUNTIME,
    );
    await runtime.start();
    log.length = 0;
    await Promise.all([runtime.stop(), runtime.stop()]);
    await runtime.stop();
    expect(log).toEqual(['teardown c {"of":"c"}', 'teardown b {"of":"b"}', 'teardown a {"of":"a"}']);
    expect(runtime.status().modules.a?.status).toBe('stopped');
  });

  it('skips teardown of a module whose setup failed and survives a throwing teardown', async () => {
    const log: string[] = [];
    const { runtime, ops } = createHarness(
      [
        moduleInstance('a', lifecycleModule('a', log)),
        moduleInstance('b', lifecycleModule('b', log, { setup: () => Promise.reject(new Error('no')) })),
        moduleInstance(
          'c',
          lifecycleModule('c', log, { teardown: () => Promise.reject(new Error('close failed')) }),
        ),
      ],
      RUNTIME,
    );
    await runtime.start();
    await runtime.stop();
    expect(log.filter((l) => l.startsWith('teardown'))).toEqual([
      'teardown c {"of":"c"}',
      'teardown a {"of":"a"}',
    ]);
    expect(ops.find((r) => r.event === 'module_shutdown_error')).toMatchObject({
      module: 'c',
      error: 'Error: close failed',
    });
  });

  it('bounds teardown by the timeout', async () => {
    const { runtime, ops } = createHarness(
      [moduleInstance('hang', lifecycleModule('hang', [], { teardown: () => new Promise(() => undefined) }))],
      { ...RUNTIME, teardownTimeoutMs: 50 },
    );
    await runtime.start();
    const started = performance.now();
    await runtime.stop();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(1000);
    expect(ops.find((r) => r.event === 'module_teardown_timeout')).toMatchObject({ timeout_ms: 50 });
  });

  it('warns when a module registers no tools and still reports it running', async () => {
    const writeOnly = defineModule({
      name: 'notify',
      description: '',
      config: z.strictObject({}),
      tools: {
        send: defineTool({
          mode: 'write',
          description: '',
          input: z.strictObject({}),
          handler: () => 'sent',
        }),
      },
    });
    const { runtime, ops } = createHarness([moduleInstance('n', writeOnly, { mode: 'read' })], RUNTIME);
    const report = await runtime.start();
    expect(report.modules.n).toEqual({ status: 'running', type: 'notify', tool_count: 0 });
    expect(ops.find((r) => r.event === 'no_tools_registered')).toMatchObject({ module: 'n' });
  });
});
