import { defineModule, ScopeViolation, z } from '@scoped-mcp/core';
import type { Middleware } from '@scoped-mcp/core/runtime';
import { describe, expect, it } from 'vitest';
import { createModuleHarness } from './harness.js';

const events: string[] = [];

const demo = defineModule({
  name: 'demo',
  description: 'demo',
  config: z.strictObject({ base: z.string().min(1), limit: z.number().default(3) }),
  credentials: { required: ['DEMO_TOKEN'], optional: ['DEMO_EXTRA'] },
  setup: (ctx) => {
    events.push(`setup ${ctx.agent.id}`);
    return { opened: ctx.resolvePath(ctx.config.base) };
  },
  teardown: (state) => {
    events.push(`teardown ${state.opened}`);
  },
  tools: (tool) => ({
    whoami: tool({
      mode: 'read',
      description: 'who',
      input: z.strictObject({}),
      handler: (_a, ctx) => ({
        id: ctx.agent.id,
        type: ctx.agent.type,
        limit: ctx.config.limit,
        opened: ctx.state.opened,
        credentialKeys: Object.keys(ctx.credentials),
      }),
    }),
    leak: tool({
      mode: 'read',
      description: 'leak',
      input: z.strictObject({}),
      handler: (_a, ctx) => `token=${ctx.credentials.DEMO_TOKEN}`,
    }),
    escape: tool({
      mode: 'read',
      description: 'escape',
      input: z.strictObject({ path: z.string() }),
      handler: () => {
        throw new ScopeViolation('Path is outside your directory');
      },
    }),
    write: tool({
      mode: 'write',
      description: 'w',
      input: z.strictObject({ v: z.string() }),
      handler: (a) => `wrote ${a.v}`,
    }),
  }),
});

const TOKEN = 'demo-token-abcdef123';

describe('createModuleHarness', () => {
  it('runs the module as a server would: names, context, results, audit', async () => {
    const h = await createModuleHarness(demo, {
      config: { base: 'data' },
      agentId: 'agent-a',
      agentType: 'research',
      credentials: { DEMO_TOKEN: TOKEN, NOT_DECLARED: 'x' },
      manifestDir: '/srv/manifests',
    });
    expect(h.toolNames).toEqual(['demo_whoami', 'demo_leak', 'demo_escape', 'demo_write']);
    const r = await h.call('whoami');
    expect(r.isError).toBe(false);
    expect(r.json()).toEqual({
      id: 'agent-a',
      type: 'research',
      limit: 3,
      opened: '/srv/manifests/data',
      credentialKeys: ['DEMO_TOKEN'],
    });
    expect((await h.call('demo_write', { v: 'x' })).text).toBe('wrote x');
    expect(h.audit.map((a) => [a.event, a.tool, a.agent_id])).toEqual([
      ['tool_call', 'demo_whoami', 'agent-a'],
      ['tool_call_started', 'demo_write', 'agent-a'],
      ['tool_call', 'demo_write', 'agent-a'],
    ]);
    await h.close();
  });

  it('uses test defaults for the identity', async () => {
    const h = await createModuleHarness(demo, {
      config: { base: '/abs' },
      credentials: { DEMO_TOKEN: TOKEN },
    });
    expect(h.agent).toMatchObject({ id: 'test-agent', type: 'test' });
    expect(h.agent.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await h.call('whoami')).json()).toMatchObject({ opened: '/abs' });
  });

  it('filters tools by mode', async () => {
    const h = await createModuleHarness(demo, {
      config: { base: 'd' },
      credentials: { DEMO_TOKEN: TOKEN },
      mode: 'read',
    });
    expect(h.toolNames).not.toContain('demo_write');
    const r = await h.call('write', { v: 'x' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain("Unknown tool 'demo_write'");
  });

  it('maps errors like the server and redacts the credentials it was given', async () => {
    const h = await createModuleHarness(demo, { config: { base: 'd' }, credentials: { DEMO_TOKEN: TOKEN } });
    const leak = await h.call('leak');
    expect(leak.text).toBe('token=<redacted-secret>');
    const blocked = await h.call('escape', { path: '../x' });
    expect(blocked).toMatchObject({ isError: true, text: 'Path is outside your directory' });
    expect(h.audit.at(-1)).toMatchObject({ event: 'scope_violation', status: 'blocked' });
    const bad = await h.call('escape', {});
    expect(bad.isError).toBe(true);
    expect(bad.text).toMatch(/^Invalid arguments for 'demo_escape': path/);
  });

  it('uses the given instance key as the tool prefix', async () => {
    const h = await createModuleHarness(demo, {
      config: { base: 'd' },
      credentials: { DEMO_TOKEN: TOKEN },
      instance: 'mine',
    });
    expect(h.toolNames[0]).toBe('mine_whoami');
    expect((await h.call('whoami')).isError).toBe(false);
  });

  it('runs middleware around the tool', async () => {
    const deny: Middleware = async (call, next) =>
      call.mode === 'write' ? 'denied by test middleware' : next();
    const h = await createModuleHarness(demo, {
      config: { base: 'd' },
      credentials: { DEMO_TOKEN: TOKEN },
      middleware: [deny],
    });
    expect((await h.call('write', { v: 'x' })).text).toBe('denied by test middleware');
  });

  it('refuses an invalid config, naming the field', async () => {
    await expect(
      createModuleHarness(demo, { config: { base: '', other: 1 }, credentials: { DEMO_TOKEN: TOKEN } }),
    ).rejects.toThrow(
      /invalid config: .*config\.base.*config\.other|invalid config: .*config\.other.*config\.base/,
    );
  });

  it('refuses missing required credentials, listing them', async () => {
    await expect(
      createModuleHarness(demo, { config: { base: 'd' }, credentials: { DEMO_EXTRA: 'x' } }),
    ).rejects.toThrow('missing required credential(s): DEMO_TOKEN');
  });

  it('fails when setup fails', async () => {
    const broken = defineModule({
      name: 'broken',
      description: '',
      config: z.strictObject({}),
      setup: () => {
        throw new Error('cannot open backend');
      },
      tools: {},
    });
    await expect(createModuleHarness(broken)).rejects.toThrow(
      'module setup failed: Error: cannot open backend',
    );
  });

  it('runs teardown on close', async () => {
    events.length = 0;
    const h = await createModuleHarness(demo, {
      config: { base: '/x' },
      credentials: { DEMO_TOKEN: TOKEN },
      agentId: 'b',
    });
    await h.close();
    expect(events).toEqual(['setup b', 'teardown /x']);
  });
});
