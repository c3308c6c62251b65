import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readErrorMeta } from '@scoped-mcp/core';
import { connectInMemory, type InMemoryConnection } from '@scoped-mcp/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadRedisFixture, type RedisServerHandle } from '../helpers/guardrails-redis.js';
import { makeInstallDir } from '../helpers/install-dir.js';
import { fixturesDir, requireBuiltCli } from '../helpers/paths.js';

// `hitl.notify` senders of module packages, loaded by core's plugin loader from the operator's install as
// a server start does (the built packages), delivering to loopback fakes of ntfy and a Matrix homeserver.
// The fakes belong to the module packages; they are imported by computed URLs so that this suite's
// typecheck does not pull another package's source into its program.

interface FakeNtfy {
  readonly url: string;
  readonly published: { topic: string; title?: string; tags: string[]; message: string }[];
  readonly requests: { headers: Record<string, unknown> }[];
  close(): Promise<void>;
}
interface FakeHomeserver {
  readonly url: string;
  readonly sent: { roomId: string; content: Record<string, unknown> }[];
  close(): Promise<void>;
}

const packages = (name: string) => fileURLToPath(new URL(`../../../../packages/${name}/`, import.meta.url));
const { startFakeNtfy } = (await import(
  new URL('__fixtures__/fake-ntfy.ts', `file://${packages('module-ntfy')}src/`).href
)) as { startFakeNtfy(options?: { token?: string }): Promise<FakeNtfy> };
const { startFakeHomeserver } = (await import(
  new URL('__fixtures__/fake-homeserver.ts', `file://${packages('module-matrix')}src/`).href
)) as {
  startFakeHomeserver(options: {
    token: string;
    rooms: { id: string; aliases?: string[] }[];
  }): Promise<FakeHomeserver>;
};

const fixture = await loadRedisFixture();
const available = fixture.redisServerAvailable();
const GATED_MODULE = join(fixturesDir, 'gated-module.mjs');

describe.skipIf(!available)('hitl.notify senders from module packages', { timeout: 30_000 }, () => {
  let redis: RedisServerHandle;
  let install: Awaited<ReturnType<typeof makeInstallDir>>;
  const open: InMemoryConnection[] = [];
  const fakes: { close(): Promise<void> }[] = [];
  let sequence = 0;

  beforeAll(async () => {
    requireBuiltCli();
    redis = await fixture.startRedisServer();
    install = await makeInstallDir();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  afterAll(async () => {
    await redis?.stop();
    await install?.remove();
  });

  /** An operator's install with these sender packages next to the manifest (linked to the workspace's). */
  async function installWith(...modules: string[]): Promise<string> {
    const dir = join(install.dir, `install-${++sequence}`);
    await mkdir(join(dir, 'node_modules', '@scoped-mcp'), { recursive: true });
    await symlink(packages('state-redis'), join(dir, 'node_modules', '@scoped-mcp', 'state-redis'), 'dir');
    for (const m of modules) {
      await symlink(packages(`module-${m}`), join(dir, 'node_modules', '@scoped-mcp', `module-${m}`), 'dir');
    }
    return dir;
  }

  async function manifest(dir: string, notify: Record<string, unknown>): Promise<string> {
    const path = join(dir, 'agent.json');
    await writeFile(
      path,
      JSON.stringify({
        agent_type: 'ops',
        modules: { ops: { type: GATED_MODULE, config: { calls: join(dir, 'calls.txt') } } },
        state_backend: { type: 'redis', url: redis.url },
        hitl: { approval_required: ['ops_write_*'], notify },
      }),
    );
    return path;
  }

  // Approvals are per tool and arguments, in one Redis for the whole suite: each test writes its own path.
  async function connect(path: string, env: Record<string, string> = {}): Promise<InMemoryConnection> {
    const connection = await connectInMemory(
      { manifest: path },
      { env: { AGENT_ID: 'agent-a', AGENT_TYPE: 'ops', ...env } },
    );
    open.push(connection);
    return connection;
  }

  it('ntfy: the approval reaches the ntfy server through @scoped-mcp/module-ntfy', async () => {
    const ntfy = await startFakeNtfy({ token: 'tk_ntfy_e2e' });
    fakes.push(ntfy);
    const dir = await installWith('ntfy');
    const agent = await connect(
      await manifest(dir, { type: 'ntfy', topic: 'ops-approvals', url: ntfy.url }),
      {
        NTFY_TOKEN: 'tk_ntfy_e2e',
      },
    );
    const refused = await agent.call('ops_write_file', { path: `a-${sequence}.txt` });
    const id = readErrorMeta(refused.raw)?.approval_id;
    expect(id).toMatch(/^agent-a\.[0-9a-f]{12}$/);
    expect(ntfy.published).toEqual([
      expect.objectContaining({
        topic: 'ops-approvals',
        title: 'Approval required: ops_write_file',
        tags: ['warning', 'scoped-mcp'],
        message: expect.stringContaining(`Approval ID: ${id}`),
      }),
    ]);
    expect(ntfy.requests[0]?.headers.authorization).toBe('Bearer tk_ntfy_e2e');
    expect(agent.audit.map((a) => a.event)).not.toContain('hitl_notifier_failed');
    // The gated call did not run.
    expect(await readFile(join(dir, 'calls.txt'), 'utf8').catch(() => '')).toBe('');
  });

  it('matrix: the approval reaches the room (alias resolved) through @scoped-mcp/module-matrix', async () => {
    const hs = await startFakeHomeserver({
      token: 'syt_e2e',
      rooms: [{ id: '!ops:example.org', aliases: ['#ops:example.org'] }],
    });
    fakes.push(hs);
    const dir = await installWith('matrix');
    const agent = await connect(await manifest(dir, { type: 'matrix', room: '#ops:example.org' }), {
      MATRIX_HOMESERVER: hs.url,
      MATRIX_ACCESS_TOKEN: 'syt_e2e',
    });
    const refused = await agent.call('ops_write_file', { path: `a-${sequence}.txt` });
    const id = readErrorMeta(refused.raw)?.approval_id;
    expect(hs.sent).toEqual([
      {
        roomId: '!ops:example.org',
        txnId: expect.any(String),
        content: { msgtype: 'm.text', body: expect.stringContaining(`Approval ID: ${id}`) },
      },
    ]);
  });

  it('a sender whose package is not installed stops startup, with the loader’s message (fail closed)', async () => {
    const dir = await installWith();
    const path = await manifest(dir, { type: 'ntfy', topic: 'ops-approvals' });
    const error = await connect(path).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain(
      "hitl.notify: module package '@scoped-mcp/module-ntfy' is not installed.",
    );
    expect(error?.message).toContain('fix: pnpm add @scoped-mcp/module-ntfy');
  });

  it('a sender with missing credentials warns at startup and announces approvals in the audit log', async () => {
    const dir = await installWith('matrix');
    const agent = await connect(await manifest(dir, { type: 'matrix', room: '!ops:example.org' }));
    expect(agent.ops).toContainEqual(
      expect.objectContaining({
        event: 'startup_warning',
        detail:
          'hitl.notify: matrix notifications are off (MATRIX_HOMESERVER and MATRIX_ACCESS_TOKEN not set); approvals are announced in the audit log',
      }),
    );
    await agent.call('ops_write_file', { path: `a-${sequence}.txt` });
    expect(agent.audit.map((a) => a.event)).toContain('hitl_approval_required');
  });
});
