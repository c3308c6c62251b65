import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  fixtureConfig,
  opsLines,
  type AgentSession,
  readEvents,
  STDIO_UPSTREAM,
  connectAgent,
  writeManifest,
} from '../fixtures/upstreams/proxy-support.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

async function directTools(fixtureEnv: Record<string, string>): Promise<{ client: Client; tools: Tool[] }> {
  const client = new Client({ name: 'direct', version: '1.0.0' });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [STDIO_UPSTREAM],
      env: { PATH: process.env.PATH ?? '', ...fixtureEnv },
      stderr: 'ignore',
    }),
  );
  return { client, tools: (await client.listTools()).tools };
}

describe('mcp_proxy passes definitions and results through unchanged (fixture upstream)', () => {
  let dir: string;
  let agent: AgentSession;
  let reference: { client: Client; tools: Tool[] };
  let events: string;
  let refServer: Server;
  let refFetches = 0;

  beforeAll(async () => {
    dir = await makeTempDir('proxy-pass');
    events = join(dir, 'events.jsonl');
    // A schema host that must never be asked: the proxy may not fetch a remote $ref.
    refServer = createServer((_req, res) => {
      refFetches++;
      res.writeHead(200, { 'content-type': 'application/schema+json' }).end('{"type":"string"}');
    });
    await new Promise<void>((resolve) => refServer.listen(0, '127.0.0.1', resolve));
    const port = (refServer.address() as { port: number }).port;
    const fixtureEnv = {
      FIXTURE_NAME: 'fx',
      FIXTURE_EVENTS: events,
      FIXTURE_REMOTE_REF_URL: `http://127.0.0.1:${port}/value.schema.json`,
    };
    const manifest = await writeManifest(dir, {
      fx: { config: fixtureConfig(fixtureEnv, { max_response_bytes: 64 * 1024 }) },
    });
    [agent, reference] = await Promise.all([
      connectAgent({ manifest, dir }),
      directTools({ ...fixtureEnv, FIXTURE_EVENTS: join(dir, 'direct-events.jsonl') }),
    ]);
  });
  afterAll(async () => {
    await agent?.close();
    await reference?.client.close();
    await new Promise((resolve) => refServer?.close(resolve));
    await removeTempDir(dir);
  });

  async function proxied(name: string): Promise<Tool> {
    const tool = (await agent.client.listTools()).tools.find((t) => t.name === `fx_${name}`);
    if (!tool) throw new Error(`fx_${name} is not offered`);
    return tool;
  }
  const upstream = (name: string) => reference.tools.find((t) => t.name === name)!;
  const upstreamCalls = async (tool: string) =>
    (await readEvents(events)).filter((e) => e.event === 'tool_call' && e.tool === tool).length;

  it('offers every upstream tool under the instance prefix', async () => {
    expect((await agent.toolNames()).filter((n) => n.startsWith('fx_'))).toEqual(
      reference.tools.map((t) => `fx_${t.name}`).sort(),
    );
  });

  it('keeps $schema, $defs, $ref and additionalProperties of a 2020-12 input schema byte for byte', async () => {
    const tool = await proxied('strict');
    expect(tool.inputSchema).toEqual(upstream('strict').inputSchema);
    expect(JSON.stringify(tool.inputSchema)).toBe(JSON.stringify(upstream('strict').inputSchema));
  });

  it('keeps the outputSchema', async () => {
    expect((await proxied('structured')).outputSchema).toEqual(upstream('structured').outputSchema);
  });

  it('keeps every annotation hint as the upstream declared it (readOnlyHint, destructiveHint, idempotentHint, openWorldHint, title)', async () => {
    const tool = await proxied('annotated');
    expect(tool.annotations).toEqual(upstream('annotated').annotations);
  });

  it('keeps the top-level title and description', async () => {
    const tool = await proxied('annotated');
    expect(tool.title).toBe('Annotated (top-level title)');
    expect(tool.description).toBe(upstream('annotated').description);
  });

  it('passes text (with annotations), image, audio, resource_link, embedded text and blob resources and result _meta', async () => {
    const viaProxy = await agent.call('fx_content');
    const directResult = (await reference.client.callTool({
      name: 'content',
      arguments: {},
    })) as CallToolResult;
    expect(viaProxy.raw.content).toEqual(directResult.content);
    expect(viaProxy.raw.content.map((b) => b.type)).toEqual([
      'text',
      'image',
      'audio',
      'resource_link',
      'resource',
      'resource',
    ]);
    expect(viaProxy.raw._meta).toEqual({ 'fixture/trace': 'kept' });
  });

  it('passes structuredContent through', async () => {
    const result = await agent.call('fx_structured', { city: 'Oslo' });
    expect(result.isError).toBe(false);
    expect(result.raw.structuredContent).toEqual({ city: 'Oslo', temperature: 21.5, conditions: 'sunny' });
  });

  it("passes the upstream's isError result through with its content", async () => {
    const result = await agent.call('fx_fail');
    expect(result.isError).toBe(true);
    expect(result.raw.content).toEqual([{ type: 'text', text: 'upstream says no' }]);
  });

  it('turns an upstream JSON-RPC error into a one-line isError result (the session survives)', async () => {
    const result = await agent.call('fx_throw');
    expect(result.isError).toBe(true);
    expect(result.text.split('\n')).toHaveLength(1);
    expect(result.text).not.toMatch(/\s+at\s+\S+\s+\(/); // no stack frames
    expect((await agent.call('fx_echo', { message: 'still here' })).text).toBe('echo: still here');
  });

  describe('arguments are validated against the upstream schema before forwarding', () => {
    it.each([
      ['below minimum via $ref into $defs', { count: 0 }, 'count'],
      ['wrong type', { count: 'many' }, 'count'],
      ['pattern of a $defs string', { count: 2, label: 'UPPER-case' }, 'label'],
      ['additionalProperties: false', { count: 2, sneaky: 'value' }, 'sneaky'],
      ['missing required', { label: 'abc' }, 'count'],
      ['maxItems', { count: 1, tags: ['tag-one', 'tag-two', 'tag-three', 'tag-four'] }, 'tags'],
    ])(
      '%s: refused with the argument path, value not echoed, upstream never called',
      async (_label, args, path) => {
        const before = await upstreamCalls('strict');
        const result = await agent.call('fx_strict', args);
        expect(result.isError).toBe(true);
        expect(result.text).toContain(path);
        for (const value of Object.values(args).flat()) {
          if (typeof value === 'string') expect(result.text).not.toContain(value);
        }
        expect(result.text.split('\n')).toHaveLength(1);
        expect(await upstreamCalls('strict')).toBe(before);
      },
    );

    it('valid arguments are forwarded unchanged', async () => {
      const args = { count: 5, label: 'abc', tags: ['x'] };
      const result = await agent.call('fx_strict', args);
      expect(result.isError).toBe(false);
      expect(result.json()).toEqual({ received: args });
    });

    it('a remote $ref is never fetched (at startup or on a call), and the proxy keeps serving', async () => {
      await agent.call('fx_remote_ref', { value: 'anything' });
      expect(refFetches).toBe(0);
      expect((await agent.call('fx_echo', { message: 'ok' })).text).toBe('echo: ok');
    });
  });

  it('concurrent calls each get their own result', async () => {
    const messages = Array.from({ length: 24 }, (_, i) => `concurrent-${i}`);
    const results = await Promise.all(messages.map((message) => agent.call('fx_echo', { message })));
    expect(results.map((r) => r.text)).toEqual(messages.map((m) => `echo: ${m}`));
  });

  it('a slow call does not hold up other calls to the same upstream', async () => {
    let slowDone = false;
    const slow = agent.call('fx_slow', { ms: 3000 }).then((r) => {
      slowDone = true;
      return r;
    });
    const quick = await agent.call('fx_echo', { message: 'not blocked' });
    expect(quick.text).toBe('echo: not blocked');
    expect(slowDone).toBe(false);
    expect((await slow).text).toBe('slept 3000');
  });

  it('a response larger than max_response_bytes is refused with a clear message naming the limit', async () => {
    const small = await agent.call('fx_big', { bytes: 1000 });
    expect(small.isError).toBe(false);
    expect(small.text).toHaveLength(1000);
    const result = await agent.call('fx_big', { bytes: 200_000 });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/65536|64 ?KiB|limit|too large|max_response_bytes/i);
    expect(result.text.length).toBeLessThan(500);
    expect((await agent.call('fx_echo', { message: 'after cap' })).text).toBe('echo: after cap');
  });

  it('the progress token the upstream sees is only present when the agent asked for progress', async () => {
    await agent.call('fx_progress', { steps: 1, delay_ms: 1 });
    await agent.call('fx_progress', { steps: 1, delay_ms: 1 }, { onprogress: () => undefined });
    const tokens = (await readEvents(events)).filter((e) => e.event === 'progress_token').map((e) => e.token);
    expect(tokens.slice(-2)[0]).toBeNull();
    expect(tokens.slice(-2)[1]).not.toBeNull();
  });

  it('the audit log has one line per proxied call with the exposed tool name', async () => {
    await agent.call('fx_echo', { message: 'audited' });
    const audit = await eventually(async () => {
      const { readFile } = await import('node:fs/promises');
      const text = await readFile(agent.auditLog, 'utf8').catch(() => '');
      return text.includes('fx_echo') ? text : undefined;
    }, 'audit line');
    expect(audit).toContain('"fx_echo"');
    expect((await opsLines(agent)).some((l) => l.level === 'fatal')).toBe(false);
  });
});

describe('mcp_proxy tool names and filters', () => {
  let dir: string;
  const agents: AgentSession[] = [];

  beforeAll(async () => {
    dir = await makeTempDir('proxy-names');
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await removeTempDir(dir);
  });

  async function start(modules: Parameters<typeof writeManifest>[1], name: string): Promise<AgentSession> {
    const manifest = await writeManifest(dir, modules, name);
    const agent = await connectAgent({ manifest, dir });
    agents.push(agent);
    return agent;
  }

  it('normalises upstream names as the reference does; calls reach the upstream under its raw name; a name too long for MCP is left out', async () => {
    const events = join(dir, 'names-events.jsonl');
    const agent = await start(
      { nm: { config: fixtureConfig({ FIXTURE_TOOLSET: 'names', FIXTURE_EVENTS: events }) } },
      'names.yml',
    );
    expect((await agent.toolNames()).filter((n) => n !== 'scoped_mcp_status')).toEqual(
      ['nm_Mixed_Case_Tool', 'nm_dotted_name_v2', 'nm_get_sum', 'nm_plain_name', 'nm_tool_9lives'].sort(),
    );
    expect((await agent.call('nm_dotted_name_v2', { message: 'm' })).text).toBe('dotted.name v2: m');
    expect((await agent.call('nm_tool_9lives', { message: 'm' })).text).toBe('9lives: m');
    const calls = (await readEvents(events)).filter((e) => e.event === 'tool_call').map((e) => e.tool);
    expect(calls).toEqual(['dotted.name v2', '9lives']);
  });

  it('tool_allowlist then tool_denylist, by the upstream spelling; a filtered tool cannot be called', async () => {
    const events = join(dir, 'filter-events.jsonl');
    const agent = await start(
      {
        fl: {
          config: fixtureConfig(
            { FIXTURE_EVENTS: events },
            { tool_allowlist: ['echo', 'whoami', 'env'], tool_denylist: ['env'] },
          ),
        },
      },
      'filters.yml',
    );
    expect((await agent.toolNames()).filter((n) => n !== 'scoped_mcp_status')).toEqual([
      'fl_echo',
      'fl_whoami',
    ]);
    for (const hidden of ['fl_env', 'fl_slow', 'fl_crash']) {
      const result = await agent.call(hidden);
      expect(result.isError).toBe(true);
    }
    const calls = (await readEvents(events)).filter((e) => e.event === 'tool_call').map((e) => e.tool);
    expect(calls).toEqual([]);
  });

  it('two upstream names that normalise to one name are a startup error of that instance naming both tools; others keep serving', async () => {
    const agent = await start(
      {
        clash: { config: fixtureConfig({ FIXTURE_TOOLSET: 'collide' }) },
        ok: { config: fixtureConfig({ FIXTURE_TOOLSET: 'echo' }) },
      },
      'collide.yml',
    );
    const names = await agent.toolNames();
    expect(names.filter((n) => n.startsWith('clash_'))).toEqual([]);
    expect(names).toContain('ok_echo');
    const status = (await agent.call('scoped_mcp_status')).json<{
      modules: Record<string, { status: string }>;
      healthy: boolean;
    }>();
    expect(status.modules.clash?.status).toMatch(/^failed/);
    expect(status.modules.ok?.status).toBe('running');
    expect(status.healthy).toBe(false);
    const failure = await eventually(async () => {
      const lines = await opsLines(agent);
      const text = JSON.stringify(lines.filter((l) => l.module === 'clash'));
      return text.includes('a.b') && text.includes('a-b') ? text : undefined;
    }, 'ops-log line naming both colliding tools');
    expect(failure).toContain('a_b');
  });

  it('mode: read registers no proxied tool and says so in the ops log', async () => {
    const agent = await start(
      { ro: { mode: 'read', config: fixtureConfig({ FIXTURE_TOOLSET: 'echo' }) } },
      'read.yml',
    );
    expect((await agent.toolNames()).filter((n) => n.startsWith('ro_'))).toEqual([]);
    const warned = await eventually(async () => {
      const lines = await opsLines(agent);
      return (
        lines.find(
          (l) =>
            l.module === 'ro' && (l.level === 40 || l.level === 'warn') && /read/i.test(JSON.stringify(l)),
        ) ?? undefined
      );
    }, 'a warning for the read-mode proxy');
    expect(JSON.stringify(warned)).toMatch(/read/i);
  });
});
