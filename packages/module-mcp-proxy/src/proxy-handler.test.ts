import { DEFAULT_LIMITS, type ModuleContext, type ModuleLogger } from '@scoped-mcp/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { FIXTURE_UPSTREAM, fakeSession, progressChannel } from './__fixtures__/test-helpers.js';
import type { McpProxyConfig } from './config.js';
import mcpProxy, { type McpProxyState } from './index.js';

// The module's side of the per-call contract, called the way core calls a handler (with the call's client
// channel in its context) — independent of the runtime around it.

const quiet: ModuleLogger = { debug() {}, info() {}, warn() {}, error() {} };
const session = fakeSession({});
const ctx: ModuleContext<McpProxyConfig> = {
  agent: { id: 'agent-a', type: 'test', sessionId: 'session' },
  instance: 'fx',
  config: mcpProxy.config.parse({ command: process.execPath, args: [FIXTURE_UPSTREAM], pinning: 'off' }),
  credentials: {},
  log: quiet,
  manifestDir: process.cwd(),
  manifestPath: 'manifest.yml',
  resolvePath: (path) => path,
  session,
  limits: DEFAULT_LIMITS,
};
let state: McpProxyState;

beforeAll(async () => {
  state = await mcpProxy.setup!(ctx);
});
afterAll(async () => {
  await mcpProxy.teardown?.(state, ctx);
});

function call(
  tool: string,
  args: Record<string, unknown>,
  token?: string | number,
  meta?: Record<string, unknown>,
) {
  const { channel, events } = progressChannel(session, token ?? 'unused', meta);
  const client = token === undefined ? { ...channel, progressToken: undefined, meta } : channel;
  const definition = mcpProxy.dynamicTools!(state)[tool]!;
  const result = definition.handler(args, {
    ...ctx,
    state,
    signal: new AbortController().signal,
    client,
  } as never);
  return { result, events };
}

describe('handler contract', () => {
  it('relays progress under the agent token', async () => {
    const { result, events } = call('slow', { ms: 200 }, 'agent-token');
    expect(await result).toMatchObject({ result: { content: [{ type: 'text', text: 'done' }] } });
    expect(events.map((e) => e.progress)).toEqual([1, 2, 3, 4]);
    expect(events[0]).toEqual({ progress: 1, total: 4, message: 'step 1' });
  });

  it("forwards the agent's _meta with the proxy's own progress token in place of the agent's", async () => {
    const { result } = call('meta', {}, 'agent-token', { 'example.com/trace': 'abc' });
    const text = ((await result) as { result: { content: { text: string }[] } }).result.content[0]!.text;
    const meta = JSON.parse(text) as Record<string, unknown>;
    expect(meta['example.com/trace']).toBe('abc');
    expect(typeof meta.progressToken).toBe('number');
  });

  it('sends no _meta and asks no progress when the agent did not', async () => {
    const { result } = call('meta', {});
    const text = ((await result) as { result: { content: { text: string }[] } }).result.content[0]!.text;
    expect(text).toBe('null');
  });
});

describe('progress that arrives in the same chunk as the result', () => {
  it('is relayed before the result, never dropped', async () => {
    const raw = fileURLToPath(new URL('./__fixtures__/raw-upstream.mjs', import.meta.url));
    const rawCtx = {
      ...ctx,
      config: mcpProxy.config.parse({ command: process.execPath, args: [raw], pinning: 'off' }),
    };
    const rawState = await mcpProxy.setup!(rawCtx);
    try {
      for (let round = 0; round < 20; round++) {
        const { channel, events } = progressChannel(session, `token-${round}`);
        const result = await mcpProxy.dynamicTools!(rawState).burst!.handler({}, {
          ...rawCtx,
          state: rawState,
          signal: new AbortController().signal,
          client: channel,
        } as never);
        expect(result).toMatchObject({ result: { content: [{ text: 'burst done' }] } });
        expect(events.map((e) => e.progress)).toEqual([1, 2]);
      }
    } finally {
      await mcpProxy.teardown?.(rawState, rawCtx);
    }
  });
});
