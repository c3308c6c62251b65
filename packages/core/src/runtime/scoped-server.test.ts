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
