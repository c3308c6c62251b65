import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  LoggingMessageNotificationSchema,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { connectInMemory, type InMemoryConnection, moduleInstance } from '@scoped-mcp/testing';
import { loadManifest } from '../manifest/load.js';
import { createResponseFilterMiddleware } from '../middleware/response-filter.js';
import { auditSink } from '../middleware/__fixtures__/filter-test-kit.js';
import { defineModule, rawResult } from '../module/define.js';
import type { RawToolResult } from '../module/types.js';

// Every channel the agent reads, against the documented rules of manifests/guarded-agent.yml
// (`aws-access-key` redacts AKIA…, `private-key` blocks a PEM header) and a secret a module declares.

const MANIFEST = fileURLToPath(new URL('../../../../manifests/guarded-agent.yml', import.meta.url));
const { manifest } = await loadManifest(MANIFEST, {});
const RULES = manifest.response_filters ?? [];

const KEY = 'AKIAIOSFODNN7EXAMPLE';
const PEM = '-----BEGIN RSA PRIVATE KEY-----';
const TOKEN = 'tok-upstream-5f3a9c2e';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

type Content = RawToolResult['result']['content'];
const LEAKS: Readonly<Record<string, () => RawToolResult['result']>> = {
  result_meta: () => ({ content: [{ type: 'text', text: 'ok' }], _meta: { 'x/key': KEY } }),
  block_meta: () => ({ content: [{ type: 'text', text: 'ok', _meta: { note: `k ${KEY}` } }] }),
  link: () => ({
    content: [
      {
        type: 'resource_link',
        uri: `https://example.com/?k=${KEY}`,
        name: `n-${KEY}`,
        title: `t ${KEY}`,
        description: `d ${KEY}`,
      },
    ] as Content,
  }),
  resource_uri: () => ({
    content: [{ type: 'resource', resource: { uri: `file:///${KEY}.txt`, text: 'fine' } }],
  }),
  image_text: () => ({ content: [{ type: 'image', mimeType: 'text/plain', data: b64(`img ${KEY}`) }] }),
  audio_text: () => ({
    content: [{ type: 'audio', mimeType: 'application/json', data: b64(`{"k":"${KEY}"}`) }],
  }),
  split_text: () => ({
    content: [
      { type: 'text', text: `first ${KEY.slice(0, 9)}` },
      { type: 'text', text: `${KEY.slice(9)} second` },
    ],
  }),
  split_pem: () => ({
    content: [
      { type: 'text', text: PEM.slice(0, 12) },
      { type: 'text', text: PEM.slice(12) },
    ],
  }),
  pem_in_link: () => ({
    content: [{ type: 'resource_link', uri: 'file:///k', name: 'k', description: PEM }] as Content,
  }),
  token_meta: () => ({ content: [{ type: 'text', text: 'ok' }], _meta: { echoed: `t=${TOKEN}` } }),
};

const leaky = defineModule({
  name: 'leaky',
  description: 'Puts secrets on every channel.',
  config: z.strictObject({ token: z.string() }),
  // What a proxy declares for the token it hands its upstream.
  secrets: (config) => [config.token],
  tools: (tool) => ({
    result: tool({
      mode: 'read',
      description: 'Returns one of the leaky results.',
      input: z.strictObject({ kind: z.string() }),
      handler: ({ kind }) => rawResult((LEAKS[kind] as () => RawToolResult['result'])()),
    }),
    notify: tool({
      mode: 'read',
      description: 'Logs and reports progress with a secret in them.',
      input: z.strictObject({ text: z.string() }),
      handler: async ({ text }, { client }) => {
        await client.log('info', { message: text }, 'leaky');
        await client.progress(1, 2, `at ${text}`);
        return 'done';
      },
    }),
    described: tool({
      mode: 'read',
      title: `Uses ${TOKEN}`,
      description: `Calls the backend with ${TOKEN} and ${KEY}.`,
      input: z.strictObject({ auth: z.string().default(TOKEN) }),
      handler: () => 'ok',
    }),
    poisoned: tool({
      mode: 'read',
      description: `Install this key: ${PEM}`,
      input: z.strictObject({}),
      handler: () => 'should not run',
    }),
    sample: tool({
      mode: 'read',
      description: 'Asks the client to sample a prompt.',
      input: z.strictObject({ prompt: z.string() }),
      handler: async ({ prompt }, { client }) => {
        const answer = await client.request('sampling/createMessage', {
          messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
          maxTokens: 10,
        });
        return JSON.stringify(answer);
      },
    }),
  }),
});

let open: InMemoryConnection | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

interface Seen {
  readonly logs: unknown[];
  readonly sampled: unknown[];
}

async function connect(): Promise<InMemoryConnection & Seen> {
  const client = new Client({ name: 't', version: '1' }, { capabilities: { sampling: {} } });
  const logs: unknown[] = [];
  const sampled: unknown[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    logs.push(n.params);
  });
  client.setRequestHandler(CreateMessageRequestSchema, (r) => {
    sampled.push(r.params);
    return { role: 'assistant', content: { type: 'text', text: 'fine' }, model: 'm' };
  });
  const { audit } = auditSink();
  open = await connectInMemory([moduleInstance('leaky', leaky as never, { config: { token: TOKEN } })], {
    client,
    middleware: [createResponseFilterMiddleware({ rules: RULES, audit, agentId: 'a' })],
    responseFilters: RULES,
  });
  return Object.assign(open, { logs, sampled });
}

const everything = (value: unknown) => JSON.stringify(value);

describe('outbound policy: tool results', () => {
  it.each(['result_meta', 'block_meta', 'link', 'resource_uri', 'image_text', 'audio_text'])(
    'redacts the key from %s',
    async (kind) => {
      const c = await connect();
      const result = await c.call('leaky_result', { kind });
      expect(result.isError).toBe(false);
      const raw = everything(result.raw);
      expect(raw).not.toContain(KEY);
      // Media payloads are re-encoded: the decoded text carries the redaction.
      const block = (result.raw.content as { data?: string }[])[0];
      if (block?.data !== undefined) {
        const decoded = Buffer.from(block.data, 'base64').toString('utf8');
        expect(decoded).toContain('[REDACTED]');
        expect(decoded).not.toContain(KEY);
      }
    },
  );

  it('replaces both parts of a key split over two text blocks', async () => {
    const c = await connect();
    const result = await c.call('leaky_result', { kind: 'split_text' });
    expect(result.raw.content).toEqual([
      { type: 'text', text: 'first [REDACTED]' },
      { type: 'text', text: '[REDACTED] second' },
    ]);
  });

  it.each(['split_pem', 'pem_in_link'])('blocks a private key in %s', async (kind) => {
    const c = await connect();
    const result = await c.call('leaky_result', { kind });
    expect(result.isError).toBe(true);
    expect(result.text).toBe("tool response from 'leaky_result' blocked by response filter policy");
    expect(everything(result.raw)).not.toContain('PRIVATE KEY');
  });

  it("redacts a module's declared secret from the result's _meta", async () => {
    const c = await connect();
    const result = await c.call('leaky_result', { kind: 'token_meta' });
    expect(everything(result.raw)).not.toContain(TOKEN);
    expect(result.raw._meta).toEqual({ echoed: 't=<redacted-secret>' });
  });
});

describe('outbound policy: notifications and requests', () => {
  it('redacts notifications/message and notifications/progress', async () => {
    const c = await connect();
    const progress: Progress[] = [];
    const result = await c.client.callTool(
      { name: 'leaky_notify', arguments: { text: `${KEY} ${TOKEN}` } },
      undefined,
      { onprogress: (p) => progress.push(p) },
    );
    expect(result.isError).toBeFalsy();
    expect(c.logs).toEqual([
      { level: 'info', logger: 'leaky', data: { message: '[REDACTED] <redacted-secret>' } },
    ]);
    expect(progress).toEqual([{ progress: 1, total: 2, message: 'at [REDACTED] <redacted-secret>' }]);
    expect(c.audit).toContainEqual(
      expect.objectContaining({
        event: 'response_filter_redacted',
        filter_name: 'aws-access-key',
        channel: 'notifications/message',
        tool: 'leaky_notify',
      }),
    );
  });

  it('drops a notification a block rule matches, and audits it', async () => {
    const c = await connect();
    const progress: Progress[] = [];
    await c.client.callTool({ name: 'leaky_notify', arguments: { text: PEM } }, undefined, {
      onprogress: (p) => progress.push(p),
    });
    expect(c.logs).toEqual([]);
    expect(progress).toEqual([]);
    const blocked = c.audit.filter(
      (r) => r.event === 'response_filter_blocked' && String(r.channel).startsWith('notifications/'),
    );
    expect(blocked.map((r) => r.channel)).toEqual(['notifications/message', 'notifications/progress']);
  });

  it('filters a server→client request, and refuses one a block rule matches', async () => {
    const c = await connect();
    const ok = await c.call('leaky_sample', { prompt: `use ${KEY}` });
    expect(ok.isError).toBe(false);
    expect(everything(c.sampled)).not.toContain(KEY);
    expect(everything(c.sampled)).toContain('use [REDACTED]');
    const refused = await c.call('leaky_sample', { prompt: PEM });
    expect(refused.isError).toBe(true);
    expect(refused.text).toContain(
      "the request 'sampling/createMessage' was refused by the response filter policy",
    );
    expect(c.sampled).toHaveLength(1);
  });
});

describe('outbound policy: tool definitions', () => {
  it('redacts secrets and filtered text from titles, descriptions and schema defaults', async () => {
    const c = await connect();
    const { tools } = await c.client.listTools();
    const described = tools.find((t) => t.name === 'leaky_described');
    expect(described).toBeDefined();
    const text = everything(described);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(KEY);
    expect(described?.title).toBe('Uses <redacted-secret>');
    expect(described?.description).toBe('Calls the backend with <redacted-secret> and [REDACTED].');
    expect((described!.inputSchema.properties as Record<string, { default?: unknown }>).auth?.default).toBe(
      '<redacted-secret>',
    );
  });

  it('withholds a tool whose definition a block rule matches, and refuses its calls', async () => {
    const c = await connect();
    const names = await c.toolNames();
    expect(names).toContain('leaky_result');
    expect(names).not.toContain('leaky_poisoned');
    expect(c.ops).toContainEqual(
      expect.objectContaining({ event: 'tool_withheld_by_response_filter', tool: 'leaky_poisoned' }),
    );
    const call = await c.call('leaky_poisoned', {});
    expect(call.isError).toBe(true);
    expect(call.text).not.toContain('should not run');
  });
});
