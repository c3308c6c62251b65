import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult, ClientCapabilities, Progress, Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientErrorsBesidesProgressRace,
  everythingConfig,
  eventually,
  progressAfterResult,
  type AgentSession,
  SERVER_EVERYTHING,
  connectAgent,
  writeManifest,
} from '../fixtures/upstreams/proxy-support.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/** The reference's rule, restated here so a wrong implementation cannot make the test agree with itself. */
const exposed = (upstream: string) =>
  `ev_${upstream.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(\d)/, 'tool_$1')}`;

const FULL_CAPS: ClientCapabilities = { sampling: {}, elicitation: {}, roots: { listChanged: true } };
const AGENT_ROOTS = [{ uri: 'file:///work/agents/ev-agent', name: 'agent workspace' }];

/** server-everything, connected directly (no proxy) with the same client capabilities as the agent. */
async function direct(capabilities: ClientCapabilities): Promise<{ client: Client; tools: Tool[] }> {
  const client = new Client({ name: 'direct', version: '1.0.0' }, { capabilities });
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [SERVER_EVERYTHING, 'stdio'],
      env: { PATH: process.env.PATH ?? '' },
      stderr: 'ignore',
    }),
  );
  // Conditional tools register after `initialized` and announce themselves with list_changed.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { client, tools: (await client.listTools()).tools };
}

function withoutTimestamps(result: CallToolResult): unknown {
  return JSON.parse(JSON.stringify(result).replace(/\d{4}-\d\d-\d\dT[0-9:.]+Z/g, '<time>'));
}

describe('mcp_proxy → @modelcontextprotocol/server-everything over stdio', () => {
  let dir: string;
  let agent: AgentSession;
  let reference: { client: Client; tools: Tool[] };

  beforeAll(async () => {
    dir = await makeTempDir('proxy-everything');
    const manifest = await writeManifest(dir, { ev: { config: everythingConfig() } });
    [agent, reference] = await Promise.all([
      connectAgent({
        manifest,
        dir,
        capabilities: FULL_CAPS,
        roots: AGENT_ROOTS,
        onSampling: (params) => ({
          role: 'assistant',
          content: { type: 'text', text: `agent-model saw ${JSON.stringify(params.messages).length} chars` },
          model: 'agent-model',
          stopReason: 'endTurn',
        }),
        onElicit: () => ({ action: 'accept', content: { name: 'Ada Lovelace', check: true, integer: 7 } }),
      }),
      direct(FULL_CAPS),
    ]);
  });
  afterAll(async () => {
    await agent?.close();
    await reference?.client.close();
    await removeTempDir(dir);
  });

  /** The proxied list once the conditional tools have arrived (they may come after a list_changed). */
  async function proxiedTools(count: number): Promise<Tool[]> {
    return eventually(async () => {
      const tools = (await agent.client.listTools()).tools.filter((t) => t.name.startsWith('ev_'));
      return tools.length >= count ? tools : undefined;
    }, `${count} proxied tools`);
  }

  it('offers every upstream tool as ev_<normalised name>, including the capability-conditional ones', async () => {
    const tools = await proxiedTools(reference.tools.length);
    expect(tools.map((t) => t.name).sort()).toEqual(reference.tools.map((t) => exposed(t.name)).sort());
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'ev_trigger_sampling_request',
        'ev_trigger_elicitation_request',
        'ev_get_roots_list',
      ]),
    );
  });

  it('passes description, title, input/output schemas and annotations through unchanged', async () => {
    const tools = await proxiedTools(reference.tools.length);
    for (const upstream of reference.tools) {
      const proxied = tools.find((t) => t.name === exposed(upstream.name));
      expect(proxied, upstream.name).toBeDefined();
      expect(proxied!.description, upstream.name).toBe(upstream.description);
      expect(proxied!.inputSchema, upstream.name).toEqual(upstream.inputSchema);
      expect(proxied!.outputSchema, upstream.name).toEqual(upstream.outputSchema);
      if (upstream.title !== undefined)
        expect(proxied!.title ?? proxied!.annotations?.title).toBe(upstream.title);
      const annotations: Record<string, unknown> = { ...proxied!.annotations };
      for (const [hint, value] of Object.entries(upstream.annotations ?? {})) {
        expect(annotations[hint], `${upstream.name}.${hint}`).toBe(value);
      }
    }
  });

  it.each([
    ['echo', { message: 'hello through the proxy' }],
    ['get-sum', { a: 2, b: 3 }],
    ['get-tiny-image', {}],
    ['get-structured-content', { location: 'Chicago' }],
    ['get-resource-links', { count: 4 }],
    ['get-annotated-message', { messageType: 'error', includeImage: true }],
    ['get-resource-reference', { resourceType: 'Text', resourceId: 2 }],
    ['get-resource-reference', { resourceType: 'Blob', resourceId: 3 }],
  ])(
    '%s %j: the result equals a direct call (content blocks, structuredContent, isError)',
    async (tool, args) => {
      await proxiedTools(reference.tools.length);
      const viaProxy = await agent.call(exposed(tool), args);
      const directResult = (await reference.client.callTool({
        name: tool,
        arguments: args,
      })) as CallToolResult;
      expect(withoutTimestamps(viaProxy.raw)).toEqual(withoutTimestamps(directResult));
    },
  );

  it('the image, resource_link and embedded resource blocks arrive with their types', async () => {
    const image = await agent.call('ev_get_tiny_image');
    expect(image.raw.content.map((b) => b.type)).toContain('image');
    const links = await agent.call('ev_get_resource_links', { count: 2 });
    expect(links.raw.content.filter((b) => b.type === 'resource_link')).toHaveLength(2);
    const embedded = await agent.call('ev_get_resource_reference', { resourceType: 'Text', resourceId: 1 });
    expect(embedded.raw.content.some((b) => b.type === 'resource')).toBe(true);
    const structured = await agent.call('ev_get_structured_content', { location: 'New York' });
    expect(structured.raw.structuredContent).toEqual({ temperature: 33, conditions: 'Cloudy', humidity: 82 });
  });

  it('forwards progress of a long-running operation: at least one event, monotonic, with the upstream total', async () => {
    const events: Progress[] = [];
    const result = await agent.call(
      'ev_trigger_long_running_operation',
      { duration: 1, steps: 4 },
      { onprogress: (p) => events.push(p) },
    );
    expect(result.isError).toBe(false);
    expect(result.text).toContain('Long running operation completed');
    expect(events.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.progress).toBeGreaterThan(events[i - 1]!.progress);
    for (const event of events) {
      expect(event.total).toBe(4);
      expect(event.progress).toBeGreaterThanOrEqual(1);
      expect(event.progress).toBeLessThanOrEqual(4);
    }
  });

  it("relays the upstream's sampling request to the agent's client and its answer back", async () => {
    const before = agent.serverRequests.length;
    const result = await agent.call('ev_trigger_sampling_request', {
      prompt: 'sample-me-please',
      maxTokens: 20,
    });
    expect(result.isError).toBe(false);
    expect(result.text).toContain('agent-model');
    const asked = agent.serverRequests.slice(before).filter((r) => r.method === 'sampling/createMessage');
    expect(asked).toHaveLength(1);
    expect(JSON.stringify(asked[0]!.params)).toContain('sample-me-please');
  });

  it("relays the upstream's elicitation request to the agent's client and its answer back", async () => {
    const before = agent.serverRequests.length;
    const result = await agent.call('ev_trigger_elicitation_request');
    expect(result.isError).toBe(false);
    expect(result.text).toContain('Ada Lovelace');
    const asked = agent.serverRequests.slice(before).filter((r) => r.method === 'elicitation/create');
    expect(asked).toHaveLength(1);
    expect(asked[0]!.params).toMatchObject({ requestedSchema: { required: ['name'] } });
  });

  it("answers the upstream's roots/list with the agent client's roots (roots: client, the default)", async () => {
    const result = await agent.call('ev_get_roots_list');
    expect(result.isError).toBe(false);
    expect(result.text).toContain('file:///work/agents/ev-agent');
    expect(agent.serverRequests.some((r) => r.method === 'roots/list')).toBe(true);
  });

  it('get-env: the upstream sees only the minimal safe environment (nothing of the proxy or the test runner)', async () => {
    const env = (await agent.call('ev_get_env')).json<Record<string, string>>();
    expect(
      Object.keys(env).every((key) => ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'].includes(key)),
    ).toBe(true);
    expect(env).not.toHaveProperty('AGENT_ID');
    expect(env).not.toHaveProperty('SCOPED_MCP_DATA_DIR');
  });

  it('an argument the upstream schema rejects is refused before the call, naming the argument', async () => {
    const result = await agent.call('ev_get_sum', { a: 'two', b: 3 });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/\ba\b/);
    expect(result.text).not.toContain('two');
  });

  it('no progress notification came after its result; the client saw no protocol errors', () => {
    expect(progressAfterResult(agent.wire())).toEqual([]);
    expect(clientErrorsBesidesProgressRace(agent.clientErrors)).toEqual([]);
  });
});

describe('mcp_proxy advertises upstream only the capabilities the agent client has', () => {
  let dir: string;
  let agent: AgentSession | undefined;
  let reference: { client: Client; tools: Tool[] } | undefined;

  beforeAll(async () => {
    dir = await makeTempDir('proxy-everything-nocaps');
  });
  afterAll(async () => {
    await agent?.close();
    await reference?.client.close();
    await removeTempDir(dir);
  });

  it('a client without sampling/elicitation/roots gets exactly the tools server-everything offers such a client', async () => {
    const manifest = await writeManifest(dir, { ev: { config: everythingConfig() } });
    [agent, reference] = await Promise.all([connectAgent({ manifest, dir, capabilities: {} }), direct({})]);
    // Give conditional registration (if the proxy wrongly advertised capabilities) time to show up.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const names = (await agent.toolNames()).filter((n) => n.startsWith('ev_'));
    expect(names).toEqual(reference.tools.map((t) => exposed(t.name)).sort());
    expect(names).not.toContain('ev_trigger_sampling_request');
    expect(names).not.toContain('ev_trigger_elicitation_request');
    expect(names).not.toContain('ev_get_roots_list');
  });
});
