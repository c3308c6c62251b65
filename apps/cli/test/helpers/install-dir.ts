import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STATE_REDIS_DIR = fileURLToPath(new URL('../../../../packages/state-redis/', import.meta.url));

/**
 * A directory that stands for the operator's install: `node_modules/@scoped-mcp/state-redis` links to the
 * workspace package, so a manifest written here finds its Redis state backend the production way (the
 * agent's server and the `scoped-mcp hitl` command alike).
 */
export async function makeInstallDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'smcp-hitl-'));
  await mkdir(join(dir, 'node_modules', '@scoped-mcp'), { recursive: true });
  await symlink(STATE_REDIS_DIR, join(dir, 'node_modules', '@scoped-mcp', 'state-redis'), 'dir');
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
