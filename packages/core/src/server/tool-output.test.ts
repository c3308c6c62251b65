import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { captureLogger, moduleInstance as instance } from '@scoped-mcp/testing';
import { AGENT } from '../__fixtures__/runtime-fixtures.js';
import { readErrorMeta } from '../errors/error-meta.js';
import { ToolInputError } from '../errors/errors.js';
import { responseRule } from '../middleware/__fixtures__/filter-test-kit.js';
import { createResponseFilterMiddleware } from '../middleware/response-filter.js';
import { defineModule, defineTool, rawResult, structuredResult } from '../module/define.js';
import { CallsInFlight } from './calls-in-flight.js';
import { ClientBridge, createMcpServer } from './mcp-server.js';
import { type RuntimeOptions, ScopedRuntime, STATUS_TOOL } from './scoped-runtime.js';

// Tools that declare an `output` schema: advertised as outputSchema, every result checked and sent as
// structuredContent next to its text; errors carry their code in `_meta`, where no client validates them.

const SECRET = 'tok-5e4d3c2b1a09f8e7';

const reportOutput = z.object({ name: z.string(), size: z.number().int(), tags: z.array(z.string()) });

const outputModule = defineModule({
  name: 'out',
  description: 'tools with output schemas',
  config: z.strictObject({}),
  tools: {
    report: defineTool({
      mode: 'read',
      description: 'An object result.',
      input: z.strictObject({ name: z.string() }),
      output: reportOutput,
      handler: ({ name }) => ({ name, size: name.length, tags: ['a'] }),
    }),
    text: defineTool({
      mode: 'read',
      description: 'A string result: wrapped as { result }.',
      input: z.strictObject({ text: z.string() }),
      output: z.string(),
      handler: ({ text }) => text,
    }),
    names: defineTool({
      mode: 'read',
      description: 'An array result with a text of its own.',
      input: z.strictObject({}),
      output: z.array(z.string()),
      handler: () => structuredResult(['x', 'y'], 'x\ny'),
    }),
    wrong: defineTool({
      mode: 'read',
      description: 'Returns what its schema does not allow.',
      input: z.strictObject({}),
      output: reportOutput,
      handler: () => ({ name: 'n', size: 'big', path: '/srv/private' }),
    }),
    refuse: defineTool({
      mode: 'write',
      description: 'Refuses with an error the agent can fix.',
      input: z.strictObject({}),
      output: reportOutput,
      handler: () => {
        throw new ToolInputError('name is required');
      },
    }),
    leak: defineTool({
      mode: 'read',
      description: 'Echoes a credential in every channel.',
      input: z.strictObject({}),
      output: z.object({ value: z.string() }),
      handler: () => structuredResult({ value: `key ${SECRET}` }, `text ${SECRET}`),
    }),
    raw_meta: defineTool({
      mode: 'read',
      description: 'A proxied result whose _meta echoes a credential.',
      input: z.strictObject({}),
      handler: () =>
        rawResult({ content: [{ type: 'text', text: 'ok' }], _meta: { upstream: { note: SECRET } } }),
    }),
    proxied: defineTool({
      mode: 'write',
      description: 'Advertises an upstream schema verbatim.',
      input: z.object({}).passthrough(),
      outputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] },
      handler: () => rawResult({ content: [{ type: 'text', text: '{"n":1}' }], structuredContent: { n: 1 } }),
    }),
  },
});

interface Fixture {
  readonly runtime: ScopedRuntime;
  readonly ops: Record<string, unknown>[];
  readonly audit: Record<string, unknown>[];
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  tool(name: string): Tool;
}

async function start(options: Partial<RuntimeOptions> = {}): Promise<Fixture> {
  const ops: Record<string, unknown>[] = [];
  const audit: Record<string, unknown>[] = [];
  const runtime = new ScopedRuntime({
    agent: AGENT,
    instances: [instance('out', outputModule)],
    manifestDir: '/srv/manifests',
    audit: captureLogger('audit', audit),
    ops: captureLogger('ops', ops),
    secrets: [SECRET],
    ...options,
  });
  await runtime.start();
  return {
    runtime,
    ops,
    audit,
    call: (name, args = {}) => runtime.call(name, args),
    tool: (name) => {
      const found = runtime.list().find((t) => t.name === name);
      if (!found) throw new Error(`no tool ${name}`);
      return found;
    },
  };
}

describe('tools with an output schema', () => {
  it('advertise it as outputSchema: an object schema as it is, anything else wrapped as { result }', async () => {
    const { tool } = await start();
    expect(tool('out_report').outputSchema).toEqual({
      type: 'object',
      properties: {
        name: { type: 'string' },
        size: { type: 'integer', minimum: expect.any(Number), maximum: expect.any(Number) },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['name', 'size', 'tags'],
      additionalProperties: false,
    });
    expect(tool('out_text').outputSchema).toEqual({
      type: 'object',
      properties: { result: { type: 'string' } },
      required: ['result'],
      'x-fastmcp-wrap-result': true,
    });
    expect(tool('out_raw_meta').outputSchema).toBeUndefined();
  });

  it('send the value as structuredContent and its text as before', async () => {
    const { call } = await start();
    expect(await call('out_report', { name: 'abc' })).toEqual({
      content: [{ type: 'text', text: '{"name":"abc","size":3,"tags":["a"]}' }],
      structuredContent: { name: 'abc', size: 3, tags: ['a'] },
    });
    expect(await call('out_text', { text: 'plain words' })).toEqual({
      content: [{ type: 'text', text: 'plain words' }],
      structuredContent: { result: 'plain words' },
    });
    expect(await call('out_names')).toEqual({
      content: [{ type: 'text', text: 'x\ny' }],
      structuredContent: { result: ['x', 'y'] },
    });
  });

  it('turn a result that does not match into a failure for the operator, and a reference for the agent', async () => {
    const { call, ops, audit } = await start();
    const result = await call('out_wrong');
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toBeUndefined();
    const meta = readErrorMeta(result);
    expect(meta).toEqual({
      code: 'SMCP_TOOL_FAILED_UNEXPECTEDLY',
      ref: expect.stringMatching(/^[0-9a-f]{8}$/),
    });
    expect(firstText(result)).toBe(
      `Tool 'out_wrong' failed unexpectedly (ref ${meta?.ref}); the operator's log has the details.`,
    );
    expect(JSON.stringify(result)).not.toContain('/srv/private');
    expect(ops.find((r) => r.event === 'tool_failed_unexpectedly')).toMatchObject({
      ref: meta?.ref,
      tool: 'out_wrong',
      error_type: 'ToolOutputError',
      error_code: 'SMCP_TOOL_OUTPUT_INVALID',
      error: expect.stringContaining(
        "tool 'out_wrong' returned a result that does not match its output schema: size:",
      ),
    });
    expect(audit.at(-1)).toMatchObject({ event: 'tool_error', error_code: 'SMCP_TOOL_FAILED_UNEXPECTEDLY' });
  });

  it('leave a proxied schema and result exactly as they came', async () => {
    const { call, tool } = await start();
    expect(tool('out_proxied').outputSchema).toEqual({
      type: 'object',
      properties: { n: { type: 'number' } },
      required: ['n'],
    });
    expect((await call('out_proxied')).structuredContent).toEqual({ n: 1 });
  });

  it('redact a credential from the text, the structured value and a raw result’s _meta', async () => {
    const { call } = await start();
    const leak = await call('out_leak');
    expect(JSON.stringify(leak)).not.toContain(SECRET);
    expect(leak.structuredContent).toEqual({ value: expect.stringMatching(/^key /) });
    const raw = await call('out_raw_meta');
    expect(JSON.stringify(raw)).not.toContain(SECRET);
    expect(raw._meta).toEqual({ upstream: { note: expect.any(String) } });
  });

  it('pass their text and value through the response filter', async () => {
    const filter = createResponseFilterMiddleware({
      rules: [responseRule({ name: 'no-words', pattern: 'plain|y', action: 'redact' })],
      audit: captureLogger('audit', []),
      agentId: AGENT.id,
    });
    const { call } = await start({ middleware: [filter] });
    const result = await call('out_text', { text: 'plain words' });
    expect(JSON.stringify(result)).not.toContain('plain');
    expect(result.structuredContent).toEqual({ result: expect.any(String) });
    const own = await call('out_names');
    expect(own.isError).toBeUndefined();
    expect(firstText(own)).not.toContain('y');
    expect(own.structuredContent).toEqual({ result: ['x', expect.not.stringContaining('y')] });
  });

  it('advertise no outputSchema when HITL shadows the tool: a shadow answer cannot match one', async () => {
    const { tool } = await start({ shadowed: (name) => name === 'out_report' || name === 'out_proxied' });
    expect(tool('out_report').outputSchema).toBeUndefined();
    expect(tool('out_proxied').outputSchema).toBeUndefined();
    expect(tool('out_text').outputSchema).toBeDefined();
  });

  it('include scoped_mcp_status, whose report is its structuredContent', async () => {
    const { call, tool } = await start();
    expect(tool(STATUS_TOOL).outputSchema).toMatchObject({ type: 'object', required: expect.any(Array) });
    const result = await call(STATUS_TOOL);
    expect(result.structuredContent).toEqual(JSON.parse(firstText(result)));
    expect(result.structuredContent).toMatchObject({ healthy: true, total_count: 1 });
  });
});

describe('an SDK client', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  async function connect(): Promise<Client> {
    const { runtime } = await start();
    const calls = new CallsInFlight({ maxInFlight: 16, maxQueued: 64 });
    const server = createMcpServer(
      runtime,
      new ClientBridge(),
      { name: 'scoped-mcp', version: '0.0.0' },
      calls,
    );
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(calls.watch(serverSide));
    const client = new Client({ name: 'test', version: '0.0.0' });
    await client.connect(clientSide);
    closers.push(async () => {
      await client.close();
      await server.close();
      await runtime.stop();
    });
    return client;
  }

  it('lists the output schemas and accepts every result by its own validation', async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    const withSchema = tools.filter((t) => t.outputSchema).map((t) => t.name);
    expect(withSchema).toEqual(
      expect.arrayContaining(['out_report', 'out_text', 'out_names', 'out_proxied', STATUS_TOOL]),
    );
    // callTool throws when structuredContent is missing or does not match the advertised schema.
    expect(
      (await client.callTool({ name: 'out_report', arguments: { name: 'n' } })).structuredContent,
    ).toEqual({
      name: 'n',
      size: 1,
      tags: ['a'],
    });
    expect((await client.callTool({ name: 'out_text', arguments: { text: 't' } })).structuredContent).toEqual(
      {
        result: 't',
      },
    );
    expect((await client.callTool({ name: 'out_names', arguments: {} })).isError).toBeFalsy();
    expect((await client.callTool({ name: STATUS_TOOL, arguments: {} })).isError).toBeFalsy();
  });

  it('reads an error of such a tool without failing its validation, code in _meta', async () => {
    const client = await connect();
    await client.listTools();
    const refused = await client.callTool({ name: 'out_refuse', arguments: {} });
    expect(refused.isError).toBe(true);
    expect(refused.structuredContent).toBeUndefined();
    expect(readErrorMeta(refused)).toEqual({ code: 'SMCP_TOOL_INPUT' });
    const broken = await client.callTool({ name: 'out_wrong', arguments: {} });
    expect(readErrorMeta(broken)?.code).toBe('SMCP_TOOL_FAILED_UNEXPECTEDLY');
    const badArgs = await client.callTool({ name: 'out_report', arguments: { name: 5 } });
    expect(readErrorMeta(badArgs)?.code).toBe('SMCP_TOOL_INPUT');
  });
});

/** The first content block's text, as the agent's client shows it. */
function firstText(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}
