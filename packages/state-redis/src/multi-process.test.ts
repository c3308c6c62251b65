// Two scoped-mcp processes of one agent must share one limit on Redis. Each child loads the built
// @scoped-mcp/state-redis through core's real lookup (openStateBackend), as the CLI does.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisServerHandle,
  redisServerAvailable,
  startRedisServer,
} from './__fixtures__/redis-server.js';

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Runs in each child: open the backend from the manifest config, scope it to the agent, and push
// `calls` through the rate-limit middleware, all starting at one agreed instant.
const CHILD = `
import { agentState, coreVersion, createRateLimitMiddleware, openStateBackend } from '@scoped-mcp/core/runtime';
const { url, base, agentId, config, calls, startAt } = JSON.parse(process.argv[1]);
const backend = await openStateBackend({ type: 'redis', url }, { bases: [base], coreVersion: coreVersion() });
const quiet = { warn() {}, info() {}, error() {} };
const { middleware } = createRateLimitMiddleware({
  config, state: agentState(backend, agentId), audit: quiet, agentId, toolNames: [...new Set(calls)],
});
await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
const allowed = {};
const refusals = new Set();
for (const tool of calls) {
  try {
    await middleware({ tool }, async () => 'ok');
    allowed[tool] = (allowed[tool] ?? 0) + 1;
  } catch (error) {
    refusals.add(error.code + ' ' + error.message.replace(/Retry in [0-9.]+ s/, 'Retry in N s'));
  }
}
await backend.close();
process.stdout.write(JSON.stringify({ kind: backend.kind, allowed, refusals: [...refusals] }));
`;

interface ChildResult {
  kind: string;
  allowed: Record<string, number>;
  refusals: string[];
}

function runChild(input: Record<string, unknown>): Promise<ChildResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, JSON.stringify(input)], {
      cwd: PACKAGE_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => {
      if (code === 0) resolvePromise(JSON.parse(out) as ChildResult);
      else reject(new Error(`child exited ${code}: ${err}`));
    });
  });
}

const sum = (results: ChildResult[], tool: string) => results.reduce((n, r) => n + (r.allowed[tool] ?? 0), 0);

describe.skipIf(!redisServerAvailable())('two processes of one agent on Redis', () => {
  let server: RedisServerHandle;
  let base: string;
  beforeAll(async () => {
    if (!existsSync(join(PACKAGE_DIR, 'dist/index.js'))) {
      throw new Error('build @scoped-mcp/state-redis first: pnpm --filter @scoped-mcp/state-redis build');
    }
    server = await startRedisServer();
    // A manifest directory whose node_modules holds the package, as `pnpm add @scoped-mcp/state-redis` leaves it.
    base = await mkdtemp(join(tmpdir(), 'smcp-state-'));
    await mkdir(join(base, 'node_modules/@scoped-mcp'), { recursive: true });
    await symlink(PACKAGE_DIR, join(base, 'node_modules/@scoped-mcp/state-redis'));
  });
  afterAll(async () => {
    await server?.stop();
    if (base) await rm(base, { recursive: true, force: true });
  });

  it('share the global limit: 2 × 40 calls against 25/minute allow exactly 25', async () => {
    const input = {
      url: server.url,
      base,
      agentId: 'agent-global',
      config: { global: '25/minute', per_tool: {} },
      calls: Array.from({ length: 40 }, () => 'fs_read'),
      startAt: Date.now() + 1500,
    };
    const results = await Promise.all([runChild(input), runChild(input)]);
    expect(results.map((r) => r.kind)).toEqual(['redis', 'redis']);
    expect(sum(results, 'fs_read')).toBe(25);
    // Unshared windows would have allowed 25 in each process (50 in all).
    expect(new Set(results.flatMap((r) => r.refusals))).toEqual(
      new Set([
        "SMCP_RATE_LIMITED Rate limit exceeded for agent 'agent-global': global limit 25/60s. Retry in N s.",
      ]),
    );
    const raw = new Redis(server.url);
    expect(await raw.zcard('scoped-mcp:agent-global:rate:global')).toBe(25);
    raw.disconnect();
  }, 30_000);

  it('share one per-tool glob window across processes, without bleeding into other tools', async () => {
    const calls = Array.from({ length: 30 }, (_, i) => ['fs_read', 'fs_write', 'db_query'][i % 3] as string);
    const input = {
      url: server.url,
      base,
      agentId: 'agent-tools',
      config: { per_tool: { 'fs_*': '12/minute' } },
      calls,
      startAt: Date.now() + 1500,
    };
    const results = await Promise.all([runChild(input), runChild(input)]);
    expect(sum(results, 'fs_read') + sum(results, 'fs_write')).toBe(12);
    expect(sum(results, 'db_query')).toBe(20);
    const raw = new Redis(server.url);
    expect(await raw.zcard('scoped-mcp:agent-tools:rate:fs_*')).toBe(12);
    raw.disconnect();
  }, 30_000);

  it('different agents on one server never share a window', async () => {
    const make = (agentId: string) => ({
      url: server.url,
      base,
      agentId,
      config: { global: '5/minute', per_tool: {} },
      calls: Array.from({ length: 8 }, () => 'fs_read'),
      startAt: Date.now() + 1500,
    });
    const [a, b] = await Promise.all([runChild(make('agent-one')), runChild(make('agent-two'))]);
    expect(a?.allowed.fs_read).toBe(5);
    expect(b?.allowed.fs_read).toBe(5);
  }, 30_000);
});
