import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EVERYTHING,
  fakeSession,
  FULL_CAPABILITIES,
  progressChannel,
  tempDir,
} from './__fixtures__/test-helpers.js';
import mcpProxy from './index.js';
import { passthroughObject } from './passthrough.js';

// The official reference server over stdio, proxied under the key `everything`, compared call by call with
// a direct SDK client to the same server: the proxy must not change a byte of any result.

const SAMPLED = 'sampled text from the agent';
const session = fakeSession(FULL_CAPABILITIES, {
  'sampling/createMessage': () => ({
    model: 'test-model',
    role: 'assistant',
    content: { type: 'text', text: SAMPLED },
  }),
  'elicitation/create': () => ({ action: 'decline' }),
  'roots/list': () => ({ roots: [{ uri: 'file:///agent/workspace', name: 'workspace' }] }),
});

let dir: Awaited<ReturnType<typeof tempDir>>;
let proxy: ModuleHarness;
let direct: Client;

beforeAll(async () => {
  dir = await tempDir('everything');
  proxy = await createModuleHarness(mcpProxy, {
    instance: 'everything',
    config: { command: process.execPath, args: [EVERYTHING, 'stdio'], pinning: 'off' },
    session,
    manifestDir: dir.path,
  });
  direct = new Client(
    { name: 'direct', version: '1' },
    { capabilities: { sampling: {}, elicitation: {}, roots: {} } },
  );
  direct.setRequestHandler(CreateMessageRequestSchema, () => ({
    model: 'test-model',
    role: 'assistant',
    content: { type: 'text', text: SAMPLED },
  }));
  direct.setRequestHandler(ElicitRequestSchema, () => ({ action: 'decline' }));
  direct.setRequestHandler(ListRootsRequestSchema, () => ({
    roots: [{ uri: 'file:///agent/workspace', name: 'workspace' }],
  }));
  await direct.connect(
    new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }),
  );
}, 30_000);

afterAll(async () => {
  await proxy?.close();
  await direct?.close();
  await dir?.remove();
});

async function directCall(name: string, args: Record<string, unknown>): Promise<unknown> {
  return direct.request({ method: 'tools/call', params: { name, arguments: args } }, passthroughObject);
}

describe('mcp_proxy in front of server-everything (stdio)', () => {
  it('offers every upstream tool under <key>_<normalised name>, conditional ones included', () => {
    const names = proxy.toolNames;
    for (const name of [
      'everything_echo',
      'everything_get_sum',
      'everything_get_tiny_image',
      'everything_get_structured_content',
      'everything_get_resource_links',
      'everything_trigger_long_running_operation',
      'everything_get_env',
      // Registered by the upstream only for a client with sampling, elicitation, roots:
      'everything_trigger_sampling_request',
      'everything_trigger_elicitation_request',
      'everything_get_roots_list',
    ]) {
      expect(names).toContain(name);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it.each([
    ['echo', { message: 'hi there' }],
    ['get-sum', { a: 2, b: 3 }],
    ['get-tiny-image', {}],
    ['get-annotated-message', { messageType: 'error', includeImage: true }],
    ['get-structured-content', { location: 'Chicago' }],
    ['get-resource-links', { count: 3 }],
    ['get-resource-reference', { resourceType: 'Blob', resourceId: 2 }],
    ['get-resource-reference', { resourceType: 'Text', resourceId: 1 }],
  ])('passes %s %j through unchanged', async (tool, args) => {
    const viaProxy = await proxy.call(`everything_${tool.replaceAll('-', '_')}`, args);
    expect(viaProxy.raw).toEqual(await directCall(tool, args));
  });

  it('keeps every content type intact: image, resource_link, embedded resource, structuredContent', async () => {
    const image = await proxy.call('everything_get_tiny_image', {});
    expect(image.raw.content.some((b) => b.type === 'image' && b.mimeType === 'image/png')).toBe(true);
    const links = await proxy.call('everything_get_resource_links', { count: 2 });
    expect(links.raw.content.filter((b) => b.type === 'resource_link')).toHaveLength(2);
    const embedded = await proxy.call('everything_get_resource_reference', {
      resourceType: 'Text',
      resourceId: 1,
    });
    expect(embedded.raw.content.some((b) => b.type === 'resource')).toBe(true);
    const structured = await proxy.call('everything_get_structured_content', { location: 'Chicago' });
    expect(structured.raw.structuredContent).toMatchObject({ temperature: expect.any(Number) });
  });

  it('relays progress under the agent token: at least one event, monotonic', async () => {
    const { channel, events } = progressChannel(session, 'agent-token-1');
    const result = await proxy.call(
      'everything_trigger_long_running_operation',
      { duration: 1, steps: 4 },
      { client: channel },
    );
    expect(result.isError).toBe(false);
    expect(events.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < events.length; i++) {
      expect(events[i]!.progress).toBeGreaterThan(events[i - 1]!.progress);
    }
    expect(events[0]!.total).toBe(4);
  });

  it("relays the upstream's sampling request to the agent's client and its answer back", async () => {
    const before = session.requests.length;
    const result = await proxy.call('everything_trigger_sampling_request', {
      prompt: 'Say hi',
      maxTokens: 5,
    });
    expect(result.isError).toBe(false);
    expect(result.text).toContain(SAMPLED);
    const relayed = session.requests.slice(before).find((r) => r.method === 'sampling/createMessage');
    expect(JSON.stringify(relayed?.params)).toContain('Say hi');
  });

  it("relays elicitation to the agent's client", async () => {
    const before = session.requests.length;
    const result = await proxy.call('everything_trigger_elicitation_request', {});
    expect(result.isError).toBe(false);
    expect(result.raw).toEqual(await directCall('trigger-elicitation-request', {}));
    expect(session.requests.slice(before).map((r) => r.method)).toContain('elicitation/create');
  });

  it("answers roots/list from the agent's client (roots: client)", async () => {
    const result = await proxy.call('everything_get_roots_list', {});
    expect(result.text).toContain('file:///agent/workspace');
  });
});

describe('capabilities offered upstream follow the agent client', () => {
  it('a client without sampling, elicitation and roots gets none of the tools that need them', async () => {
    const bare = await createModuleHarness(mcpProxy, {
      instance: 'everything',
      config: { command: process.execPath, args: [EVERYTHING, 'stdio'], pinning: 'off' },
      session: fakeSession({}),
    });
    try {
      expect(bare.toolNames).toContain('everything_echo');
      expect(bare.toolNames).not.toContain('everything_trigger_sampling_request');
      expect(bare.toolNames).not.toContain('everything_trigger_elicitation_request');
      expect(bare.toolNames).not.toContain('everything_get_roots_list');
    } finally {
      await bare.close();
    }
  });

  it("roots: scoped answers with the agent's own directory and never asks the client", async () => {
    const own = fakeSession(FULL_CAPABILITIES);
    const scoped = await createModuleHarness(mcpProxy, {
      instance: 'everything',
      agentId: 'agent-7',
      config: {
        command: process.execPath,
        args: [EVERYTHING, 'stdio'],
        pinning: 'off',
        roots: 'scoped',
        roots_path: './agents/{agent_id}',
      },
      session: own,
      manifestDir: dir.path,
    });
    try {
      const result = await scoped.call('everything_get_roots_list', {});
      expect(result.text).toContain(`file://${dir.path}/agents/agent-7`);
      expect(own.requests.map((r) => r.method)).not.toContain('roots/list');
    } finally {
      await scoped.close();
    }
  });

  it('roots: none offers the upstream no roots even when the client has them', async () => {
    const none = await createModuleHarness(mcpProxy, {
      instance: 'everything',
      config: { command: process.execPath, args: [EVERYTHING, 'stdio'], pinning: 'off', roots: 'none' },
      session: fakeSession(FULL_CAPABILITIES),
    });
    try {
      expect(none.toolNames).not.toContain('everything_get_roots_list');
      expect(none.toolNames).toContain('everything_trigger_sampling_request');
    } finally {
      await none.close();
    }
  });
});
