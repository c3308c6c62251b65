import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { defineModule, rawResult, z } from '@scoped-mcp/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectInMemory } from './connect-in-memory.js';
import { moduleInstance } from './harness.js';

const GREETER = fileURLToPath(new URL('./__fixtures__/greeter-module.mjs', import.meta.url));
const TOKEN = 'greeter-token-5b7e1c';
const torn: string[] = [];

const notes = defineModule({
  name: 'notes',
  description: 'Test module: notes kept in its state.',
  config: z.strictObject({ prefix: z.string().default('') }),
  setup: () => ({ notes: [] as string[] }),
  teardown: (state) => {
    torn.push(state.notes.join(','));
  },
  tools: (tool) => ({
    add: tool({
      mode: 'write',
      description: 'Adds a note.',
      input: z.strictObject({ text: z.string() }),
      handler: ({ text }, ctx) => {
        ctx.state.notes.push(`${ctx.config.prefix}${text}`);
        return ctx.state.notes.length;
      },
    }),
    list: tool({
      mode: 'read',
      description: 'Lists the notes.',
      input: z.strictObject({}),
      handler: (_args, ctx) =>
        rawResult({
          content: [
            { type: 'text', text: 'notes:' },
            { type: 'text', text: ctx.state.notes.join('\n') },
          ],
          structuredContent: { notes: ctx.state.notes, unset: undefined },
        }),
    }),
    roots: tool({
      mode: 'read',
      description: 'Asks the client for its roots.',
      input: z.strictObject({}),
      handler: async (_args, ctx) => (await ctx.client.request('roots/list', undefined)) as never,
    }),
  }),
});

describe('connectInMemory: a module', () => {
  it('serves the module to an SDK client: tools, results, audit, every message sent', async () => {
    const conn = await connectInMemory(notes, { config: { prefix: '#' }, agentId: 'mem-1' });
    expect(conn.status).toMatchObject({ healthy: true, modules: { notes: { status: 'running' } } });
    expect(await conn.toolNames()).toEqual(['notes_add', 'notes_list', 'notes_roots', 'scoped_mcp_status']);
    expect((await conn.call('notes_add', { text: 'a' })).json()).toBe(1);
    const listed = await conn.call('notes_list');
    expect(listed.text).toBe('notes:\n#a');
    // Over the wire as on stdio: a value JSON cannot carry is gone, not handed over as is.
    expect(listed.raw.structuredContent).toEqual({ notes: ['#a'] });
    // notes_add changes something: its line announcing it comes before it runs.
    expect(conn.audit.map((line) => [line.event, line.tool, line.agent_id])).toEqual([
      ['tool_call_started', 'notes_add', 'mem-1'],
      ['tool_call', 'notes_add', 'mem-1'],
      ['tool_call', 'notes_list', 'mem-1'],
    ]);
    expect(conn.sent.every((text) => (JSON.parse(text) as { jsonrpc?: string }).jsonrpc === '2.0')).toBe(
      true,
    );
    expect(conn.sent.some((text) => text.includes('"#a"'))).toBe(true);
    expect(conn.ops.map((line) => line.event)).toContain('server_ready');
    await conn.close();
    await conn.close();
    expect(torn).toEqual(['#a']);
  });

  it('registers only the read tools in read mode', async () => {
    const conn = await connectInMemory(notes, { mode: 'read' });
    expect(await conn.toolNames()).toEqual(['notes_list', 'notes_roots', 'scoped_mcp_status']);
    const refused = await conn.call('notes_add', { text: 'x' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain("Unknown tool 'notes_add'");
    await conn.close();
  });

  it('connects the client given, with its capabilities and handlers', async () => {
    const client = new Client({ name: 'roots-client', version: '1.0.0' }, { capabilities: { roots: {} } });
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri: 'file:///work/mem' }] }));
    const conn = await connectInMemory(notes, { client });
    expect(conn.client).toBe(client);
    expect((await conn.call('notes_roots')).json()).toEqual({ roots: [{ uri: 'file:///work/mem' }] });
    await conn.close();
  });

  it('serves instances made ready by the caller, a failed one shown in the status', async () => {
    const conn = await connectInMemory([
      moduleInstance('first', notes, { config: { prefix: '1:' } }),
      moduleInstance('gone', undefined, { failure: { status: 'failed_import', error: 'Error: no' } }),
    ]);
    expect(conn.status).toMatchObject({ healthy: false, modules: { gone: { status: 'failed_import' } } });
    expect((await conn.call('first_add', { text: 'x' })).isError).toBe(false);
    expect((await conn.call('scoped_mcp_status')).json()).toMatchObject({ failed_count: 1, total_count: 2 });
    await conn.close();
  });
});

describe('connectInMemory: a manifest', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'connect-in-memory-'));
    await writeFile(
      join(dir, 'agent.yml'),
      `agent_type: research\nmodules:\n  hi:\n    type: ${GREETER}\n    config: { greeting: bonjour }\n`,
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('builds the server as a run would: identity and credentials from env, logs in files', async () => {
    const conn = await connectInMemory(
      { manifest: join(dir, 'agent.yml') },
      { env: { AGENT_ID: 'mem-2', AGENT_TYPE: 'research', GREETER_TOKEN: TOKEN }, version: '7.7.7' },
    );
    expect(conn.client.getServerVersion()).toMatchObject({ name: 'scoped-mcp', version: '7.7.7' });
    expect((await conn.call('hi_greet', { name: 'Ada' })).text).toBe('bonjour, Ada (mem-2)');
    expect((await conn.call('hi_leak')).text).toBe('token <redacted-secret>');
    // The file starts with the chain's segment record.
    expect(conn.audit.map((line) => [line.event, line.tool, line.agent_id])).toEqual([
      ['audit_segment_start', undefined, 'mem-2'],
      ['tool_call', 'hi_greet', 'mem-2'],
      ['tool_call', 'hi_leak', 'mem-2'],
    ]);
    expect(conn.audit[1]?.prev).toMatch(/^[0-9a-f]{32}$/);
    expect(conn.ops.find((line) => line.event === 'server_ready')).toMatchObject({ transport: 'in-memory' });
    const logs = [conn.auditLog!, conn.opsLog!];
    expect(logs.every((path) => existsSync(path))).toBe(true);
    await conn.close();
    expect(logs.some((path) => existsSync(path))).toBe(false);
  });

  it('keeps log files it was given, and rejects a manifest that cannot start', async () => {
    const auditLog = join(dir, 'audit.jsonl');
    const opsLog = join(dir, 'ops.jsonl');
    await expect(
      connectInMemory(
        { manifest: join(dir, 'agent.yml') },
        { env: { AGENT_ID: 'mem-3', AGENT_TYPE: 'research' }, auditLog, opsLog },
      ),
    ).rejects.toThrow('GREETER_TOKEN');
    expect(existsSync(opsLog)).toBe(true);
  });
});
