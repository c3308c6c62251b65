import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  clientErrorsBesidesProgressRace,
  eventually,
  fixtureConfig,
  progressAfterResult,
  type AgentSession,
  readEvents,
  connectAgent,
  writeManifest,
} from '../fixtures/upstreams/proxy-support.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

describe('mcp_proxy forwards what a per-agent proxy can (fixture upstream over stdio)', () => {
  let dir: string;
  let events: string;
  let agent: AgentSession;

  beforeAll(async () => {
    dir = await makeTempDir('proxy-fwd');
    events = join(dir, 'events.jsonl');
    const manifest = await writeManifest(dir, {
      fx: { config: fixtureConfig({ FIXTURE_NAME: 'fx', FIXTURE_EVENTS: events }) },
    });
    agent = await connectAgent({
      manifest,
      dir,
      capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } },
      roots: [{ uri: 'file:///agents/fwd', name: 'fwd' }],
      onSampling: (params) => ({
        role: 'assistant',
        content: { type: 'text', text: `sampled(${JSON.stringify(params.messages)})` },
        model: 'agent-llm',
      }),
      onElicit: (params) => ({
        action: 'accept',
        content: { name: `elicited for ${String(params.message)}` },
      }),
    });
  });
  afterAll(async () => {
    await agent?.close();
    await removeTempDir(dir);
  });

  it('progress: every upstream notification reaches the agent under its own token, in order', async () => {
    const seen: Progress[] = [];
    const result = await agent.call(
      'fx_progress',
      { steps: 5, delay_ms: 30 },
      { onprogress: (p) => seen.push(p) },
    );
    expect(result.text).toBe('progressed 5');
    expect(seen.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.progress).toBeGreaterThan(seen[i - 1]!.progress);
    expect(seen.every((p) => p.total === 5 && /^step \d$/.test(p.message ?? ''))).toBe(true);
  });

  it('progress of two concurrent calls does not cross over', async () => {
    const a: Progress[] = [];
    const b: Progress[] = [];
    await Promise.all([
      agent.call('fx_progress', { steps: 3, delay_ms: 40 }, { onprogress: (p) => a.push(p) }),
      agent.call('fx_progress', { steps: 6, delay_ms: 20 }, { onprogress: (p) => b.push(p) }),
    ]);
    expect(a.length).toBeGreaterThanOrEqual(1);
    expect(b.length).toBeGreaterThanOrEqual(1);
    expect(a.every((p) => p.total === 3)).toBe(true);
    expect(b.every((p) => p.total === 6)).toBe(true);
  });

  it('cancellation: the agent aborts, the upstream call is cancelled, the agent is not left waiting', async () => {
    const controller = new AbortController();
    const call = agent.call('fx_slow', { ms: 20_000 }, { signal: controller.signal });
    const started = await eventually(async () => {
      const all = await readEvents(events);
      return all.filter((e) => e.event === 'slow_started').at(-1);
    }, 'the upstream to start the slow call');
    controller.abort('test cancels');
    await expect(call).rejects.toThrow();
    const cancelled = await eventually(async () => {
      const all = await readEvents(events);
      return all.find((e) => e.event === 'slow_cancelled' && e.request_id === started.request_id);
    }, 'notifications/cancelled to reach the upstream');
    expect(cancelled.pid).toBe(started.pid);
    expect((await readEvents(events)).some((e) => e.event === 'slow_done')).toBe(false);
    expect((await agent.call('fx_echo', { message: 'after cancel' })).text).toBe('echo: after cancel');
  });

  it('logging: an upstream notifications/message reaches the agent with level and data', async () => {
    await agent.call('fx_log', { level: 'warning', message: 'from-upstream-log' });
    const message = await eventually(
      () => agent.logMessages.find((m) => JSON.stringify(m.data).includes('from-upstream-log')),
      'the forwarded log message',
    );
    expect(message.level).toBe('warning');
  });

  it('logging: the level the agent set with logging/setLevel filters forwarded upstream messages', async () => {
    await agent.client.setLoggingLevel('error');
    await agent.call('fx_log', { level: 'info', message: 'below-the-level' });
    await agent.call('fx_log', { level: 'critical', message: 'above-the-level' });
    await eventually(
      () => agent.logMessages.find((m) => JSON.stringify(m.data).includes('above-the-level')),
      'the critical message',
    );
    expect(agent.logMessages.some((m) => JSON.stringify(m.data).includes('below-the-level'))).toBe(false);
    await agent.client.setLoggingLevel('debug');
  });

  it('sampling: the upstream request goes to the agent client, the answer comes back', async () => {
    const result = await agent.call('fx_sample', { prompt: 'what is 2+2' });
    expect(result.isError).toBe(false);
    const answer = result.json<{ model: string; content: { text: string } }>();
    expect(answer.model).toBe('agent-llm');
    expect(answer.content.text).toContain('what is 2+2');
  });

  it('elicitation: the upstream request goes to the agent client, the answer comes back', async () => {
    const result = await agent.call('fx_elicit');
    expect(result.json()).toEqual({ action: 'accept', content: { name: 'elicited for Your name?' } });
  });

  it('roots (client): the upstream gets the agent client roots', async () => {
    const result = await agent.call('fx_roots');
    expect(result.json()).toEqual({ roots: [{ uri: 'file:///agents/fwd', name: 'fwd' }] });
  });

  it('the upstream was initialised with exactly the capabilities the agent client declared', async () => {
    const info = (await agent.call('fx_client_info')).json<{ capabilities: Record<string, unknown> }>();
    expect(Object.keys(info.capabilities).sort()).toEqual(['elicitation', 'roots', 'sampling']);
  });

  it('tools/list_changed: a new upstream tool appears, a removed one disappears, and the agent is told', async () => {
    const before = agent.toolListChanges();
    await agent.call('fx_add_tool', { name: 'late_tool' });
    await eventually(
      async () => ((await agent.toolNames()).includes('fx_late_tool') ? true : undefined),
      'fx_late_tool',
    );
    expect(agent.toolListChanges()).toBeGreaterThan(before);
    expect((await agent.call('fx_late_tool', { message: 'hi' })).text).toBe('late_tool: hi');

    await agent.call('fx_remove_tool', { name: 'whoami' });
    await eventually(
      async () => (!(await agent.toolNames()).includes('fx_whoami') ? true : undefined),
      'fx_whoami gone',
    );
    const removed = await agent.call('fx_whoami');
    expect(removed.isError).toBe(true);
  });

  it('no progress notification was sent after the result of its call, and the client saw no other errors', () => {
    expect(progressAfterResult(agent.wire())).toEqual([]);
    expect(clientErrorsBesidesProgressRace(agent.clientErrors)).toEqual([]);
  });
});

describe('mcp_proxy with an agent client that has no sampling, elicitation or roots', () => {
  let dir: string;
  let agent: AgentSession;

  beforeAll(async () => {
    dir = await makeTempDir('proxy-fwd-bare');
    const manifest = await writeManifest(dir, { fx: { config: fixtureConfig({}) } });
    agent = await connectAgent({ manifest, dir, capabilities: {} });
  });
  afterAll(async () => {
    await agent?.close();
    await removeTempDir(dir);
  });

  it('the upstream is initialised without those capabilities', async () => {
    const info = (await agent.call('fx_client_info')).json<{ capabilities: Record<string, unknown> }>();
    expect(info.capabilities).not.toHaveProperty('sampling');
    expect(info.capabilities).not.toHaveProperty('elicitation');
    expect(info.capabilities).not.toHaveProperty('roots');
  });

  it.each(['fx_sample', 'fx_elicit', 'fx_roots'])('%s fails cleanly instead of hanging', async (tool) => {
    const result = await agent.call(tool, tool === 'fx_sample' ? { prompt: 'p' } : {});
    expect(result.isError).toBe(true);
    expect(result.text.split('\n')).toHaveLength(1);
  });
});

describe('mcp_proxy roots: scoped and none', () => {
  let dir: string;
  let agent: AgentSession | undefined;

  beforeAll(async () => {
    dir = await makeTempDir('proxy-roots');
  });
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it("roots: scoped answers roots/list with the agent's own directory (agent id rendered), never the client's", async () => {
    await mkdir(join(dir, 'data', 'agents', 'scoped-7'), { recursive: true });
    const manifest = await writeManifest(
      dir,
      { fx: { config: fixtureConfig({}, { roots: 'scoped', roots_path: './data/agents/{agent_id}' }) } },
      'scoped.yml',
    );
    agent = await connectAgent({
      manifest,
      dir,
      agentId: 'scoped-7',
      capabilities: { roots: {} },
      roots: [{ uri: 'file:///client/secret-root', name: 'client' }],
    });
    const result = (await agent.call('fx_roots')).json<{ roots: { uri: string }[] }>();
    expect(result.roots).toHaveLength(1);
    const href = pathToFileURL(join(dir, 'data', 'agents', 'scoped-7')).href;
    expect([href, `${href}/`]).toContain(result.roots[0]!.uri);
    expect(JSON.stringify(result)).not.toContain('secret-root');
    expect(agent.serverRequests.filter((r) => r.method === 'roots/list')).toEqual([]);
    const info = (await agent.call('fx_client_info')).json<{ capabilities: Record<string, unknown> }>();
    expect(info.capabilities).toHaveProperty('roots');
  });

  it('roots: none offers the upstream no roots even when the agent client has them', async () => {
    const manifest = await writeManifest(
      dir,
      { fx: { config: fixtureConfig({}, { roots: 'none' }) } },
      'none.yml',
    );
    agent = await connectAgent({ manifest, dir, capabilities: { roots: {} }, roots: [{ uri: 'file:///x' }] });
    const info = (await agent.call('fx_client_info')).json<{ capabilities: Record<string, unknown> }>();
    expect(info.capabilities).not.toHaveProperty('roots');
    expect((await agent.call('fx_roots')).isError).toBe(true);
    expect(agent.serverRequests).toEqual([]);
  });
});

describe('mcp_proxy per-call timeout', () => {
  let dir: string;
  let agent: AgentSession;
  let events: string;

  beforeAll(async () => {
    dir = await makeTempDir('proxy-timeout');
    events = join(dir, 'events.jsonl');
    const manifest = await writeManifest(dir, {
      fx: { config: fixtureConfig({ FIXTURE_EVENTS: events }, { call_timeout_seconds: 0.5 }) },
    });
    agent = await connectAgent({ manifest, dir });
  });
  afterAll(async () => {
    await agent?.close();
    await removeTempDir(dir);
  });

  it('a call longer than call_timeout_seconds fails with a clear message and is cancelled upstream', async () => {
    const result = await agent.call('fx_slow', { ms: 15_000 });
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/time(d)? ?out|timeout/i);
    expect(result.text.split('\n')).toHaveLength(1);
    await eventually(
      async () => (await readEvents(events)).find((e) => e.event === 'slow_cancelled'),
      'the upstream call to be cancelled',
    );
    expect((await agent.call('fx_slow', { ms: 10 })).text).toBe('slept 10');
  });
});
