import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreModuleSource, linkCore, tempDir, writePackage } from '../__fixtures__/module-packages.js';
import { openScopedServer } from './scoped-server.js';

let root: string;

beforeAll(async () => {
  root = await tempDir('scoped-server');
  await linkCore(root);
  // Its one tool: `ping`, answering 'pong'.
  await writePackage(root, {
    name: '@scoped-mcp/module-hello',
    files: { 'index.mjs': coreModuleSource({ name: 'hello' }) },
  });
  await writeFile(join(root, 'agent.yml'), 'agent_type: research\nmodules:\n  hello:\n    config: {}\n');
  // Logs one line at each level when it starts.
  await writePackage(root, {
    name: '@scoped-mcp/module-chatty',
    files: {
      'index.mjs': coreModuleSource({
        name: 'chatty',
        body: `{
  name: 'chatty',
  description: 'fixture',
  config: z.strictObject({}),
  setup(ctx) {
    ctx.log.debug({}, 'chatty_debug');
    ctx.log.info({}, 'chatty_info');
  },
}`,
      }),
    },
  });
  await writeFile(join(root, 'chatty.yml'), 'agent_type: research\nmodules:\n  chatty:\n    config: {}\n');
  // Reports the limits its setup saw; `hold` answers once the test releases it.
  await writePackage(root, {
    name: '@scoped-mcp/module-gate',
    files: {
      'index.mjs': coreModuleSource({
        name: 'gate',
        body: `{
  name: 'gate',
  description: 'fixture',
  config: z.strictObject({}),
  setup(ctx) {
    return { limits: ctx.limits, frozen: Object.isFrozen(ctx.limits) };
  },
  tools: {
    limits: defineTool({ mode: 'read', description: 'limits', input: z.strictObject({}), handler: (_a, ctx) => JSON.stringify(ctx.state) }),
    hold: defineTool({
      mode: 'read',
      description: 'hold',
      input: z.strictObject({}),
      handler: () => new Promise((resolve) => { globalThis.__gateRelease = () => resolve('released'); }),
    }),
  },
}`,
      }),
    },
  });
  await writeFile(
    join(root, 'gate.yml'),
    'agent_type: research\nmodules:\n  gate:\n    config: {}\nlimits:\n  max_calls_in_flight: 1\n  max_queued_calls: 0\n  max_message_bytes: 1048576\n',
  );
  await writeFile(
    join(root, 'gate-rate.yml'),
    'agent_type: research\nmodules:\n  gate:\n    config: {}\nrate_limits:\n  global: 2/minute\n',
  );
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const records = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('openScopedServer', () => {
  it('serves a manifest-built server to an SDK client over an in-memory transport', async () => {
    const auditLog = join(root, 'audit.jsonl');
    const opsLog = join(root, 'ops.jsonl');
    const scoped = await openScopedServer({
      manifestPath: join(root, 'agent.yml'),
      env: { AGENT_ID: 'memory-1', AGENT_TYPE: 'research' },
      auditLog,
      opsLog,
      version: '9.9.9',
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'in-memory-test', version: '1.0.0' });
    const started = scoped.connect(serverSide, 'in-memory');
    await client.connect(clientSide);
    expect((await started).healthy).toBe(true);

    expect(client.getServerVersion()).toMatchObject({ name: 'scoped-mcp', version: '9.9.9' });
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['hello_ping', 'scoped_mcp_status']);
    expect(await client.callTool({ name: 'hello_ping', arguments: {} })).toEqual({
      content: [{ type: 'text', text: 'pong' }],
    });

    await client.close();
    await scoped.close();
    await scoped.close();
    expect((await records(auditLog)).map((r) => [r.event, r.tool])).toContainEqual([
      'tool_call',
      'hello_ping',
    ]);
    expect((await records(opsLog)).find((r) => r.event === 'server_ready')).toMatchObject({
      transport: 'in-memory',
      tools: 2,
      healthy: true,
    });
  });

  it("serves with the manifest's limits: setup sees them, and a call past the slots and the queue is refused", async () => {
    const auditLog = join(root, 'audit-gate.jsonl');
    const scoped = await openScopedServer({
      manifestPath: join(root, 'gate.yml'),
      env: { AGENT_ID: 'gate-1', AGENT_TYPE: 'research' },
      auditLog,
      opsLog: join(root, 'ops-gate.jsonl'),
      version: '1.0.0',
    });
    expect(scoped.limits).toEqual({
      max_message_bytes: 1_048_576,
      max_calls_in_flight: 1,
      max_queued_calls: 0,
      max_argument_depth: 64,
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'gate', version: '1.0.0' });
    const started = scoped.connect(serverSide);
    await client.connect(clientSide);
    await started;
    const seen = await client.callTool({ name: 'gate_limits', arguments: {} });
    expect(JSON.parse((seen.content as { text: string }[])[0]!.text)).toEqual({
      limits: scoped.limits,
      frozen: true,
    });
    const held = client.callTool({ name: 'gate_hold', arguments: {} });
    while (scoped.calls.counts.running === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const busy = await client.callTool({ name: 'gate_limits', arguments: {} });
    expect(busy).toMatchObject({
      isError: true,
      _meta: {
        'scoped-mcp/error': { code: 'SMCP_SERVER_BUSY', limit: { name: 'max_queued_calls', value: 0 } },
      },
    });
    (globalThis as { __gateRelease?: () => void }).__gateRelease!();
    expect((await held).content).toEqual([{ type: 'text', text: 'released' }]);
    expect((await client.callTool({ name: 'gate_limits', arguments: {} })).isError).toBeUndefined();
    await client.close();
    await scoped.close();
    expect((await records(auditLog)).filter((r) => r.error_code === 'SMCP_SERVER_BUSY')).toHaveLength(1);
  });

  it('counts calls refused for nesting too deep against the rate limit, like any other call', async () => {
    const auditLog = join(root, 'audit-gate-rate.jsonl');
    const scoped = await openScopedServer({
      manifestPath: join(root, 'gate-rate.yml'),
      env: { AGENT_ID: 'gate-rate-1', AGENT_TYPE: 'research' },
      auditLog,
      opsLog: join(root, 'ops-gate-rate.jsonl'),
      version: '1.0.0',
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'gate-rate', version: '1.0.0' });
    const started = scoped.connect(serverSide);
    await client.connect(clientSide);
    await started;
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    const code = (result: unknown) =>
      (result as { _meta?: Record<string, { code?: string }> })._meta?.['scoped-mcp/error']?.code;
    for (let i = 0; i < 2; i++)
      expect(code(await client.callTool({ name: 'gate_limits', arguments: { deep } }))).toBe(
        'SMCP_TOOL_INPUT',
      );
    expect(code(await client.callTool({ name: 'gate_limits', arguments: {} }))).toBe('SMCP_RATE_LIMITED');
    await client.close();
    await scoped.close();
    const lines = await records(auditLog);
    expect(lines.filter((r) => r.event === 'rate_limit_exceeded')).toHaveLength(1);
    // The refused calls' audit lines carry their arguments cut at the sanitiser's depth, not 100 levels.
    const refused = lines.filter((r) => r.error_code === 'SMCP_TOOL_INPUT');
    expect(refused).toHaveLength(2);
    expect(JSON.stringify(refused[0]).length).toBeLessThan(1000);
  });

  it('takes the ops log level from the environment it is given', async () => {
    const events = async (level: string | undefined) => {
      const opsLog = join(root, `ops-${level ?? 'default'}.jsonl`);
      const scoped = await openScopedServer({
        manifestPath: join(root, 'chatty.yml'),
        env: {
          AGENT_ID: 'levels-1',
          AGENT_TYPE: 'research',
          ...(level ? { SCOPED_MCP_LOG_LEVEL: level } : {}),
        },
        auditLog: join(root, `audit-${level ?? 'default'}.jsonl`),
        opsLog,
        version: '1.0.0',
      });
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const client = new Client({ name: 'levels', version: '1.0.0' });
      const started = scoped.connect(serverSide);
      await client.connect(clientSide);
      await started;
      await client.close();
      await scoped.close();
      return (await records(opsLog)).map((r) => r.event);
    };
    expect(await events('debug')).toEqual(expect.arrayContaining(['chatty_debug', 'chatty_info']));
    expect(await events('warn')).not.toContain('chatty_info');
    const info = await events(undefined);
    expect(info).toContain('chatty_info');
    expect(info).not.toContain('chatty_debug');
  });
});
