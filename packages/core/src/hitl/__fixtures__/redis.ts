import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The redis-server fixture belongs to @scoped-mcp/state-redis. It is imported by a computed URL so that
// core's typecheck (rootDir src) does not pull another package's source into this program.
const FIXTURE_URL = new URL('../../../../state-redis/src/__fixtures__/redis-server.ts', import.meta.url);
export const STATE_REDIS_DIR = fileURLToPath(new URL('../../../../state-redis/', import.meta.url));
export const CLI_BIN = fileURLToPath(new URL('../../../../../apps/cli/dist/bin.js', import.meta.url));

export interface RedisServerHandle {
  readonly port: number;
  readonly url: string;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

interface RedisFixture {
  redisServerAvailable(): boolean;
  startRedisServer(options?: { port?: number; password?: string }): Promise<RedisServerHandle>;
}

export async function loadRedisFixture(): Promise<RedisFixture> {
  return (await import(FIXTURE_URL.href)) as RedisFixture;
}

/** The built pieces the process-level tests run; without them every test would fail obscurely. */
export function requireBuilt(): void {
  for (const file of [CLI_BIN, join(STATE_REDIS_DIR, 'dist', 'index.js')]) {
    if (!existsSync(file)) throw new Error(`${file} does not exist: run \`pnpm build\` first`);
  }
}

/**
 * A directory that stands for the operator's install: `node_modules/@scoped-mcp/state-redis` links to
 * the workspace package, so openStateBackend (and the CLI, from the manifest's directory) load it the
 * production way.
 */
export async function makeInstallDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'smcp-hitl-'));
  await mkdir(join(dir, 'node_modules', '@scoped-mcp'), { recursive: true });
  await symlink(STATE_REDIS_DIR, join(dir, 'node_modules', '@scoped-mcp', 'state-redis'), 'dir');
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
