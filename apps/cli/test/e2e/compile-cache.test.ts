import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { childEnv } from '../helpers/env.js';
import { researchManifest } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnAgent } from '../helpers/spawn-agent.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

// The server start turns on Node's compile cache in the user's own cache directory (never the shared /tmp,
// where another local user could plant compiled code), and only for `run`.

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

async function serveOnce(dir: string, env: Record<string, string> = {}): Promise<void> {
  const agent = await spawnAgent({ manifest: researchManifest, dir, agentType: 'research', env });
  try {
    expect((await agent.client.listTools()).tools.length).toBeGreaterThan(0);
  } finally {
    await agent.close();
  }
}

describe('compile cache of a server start', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('compile-cache');
  });
  afterEach(async () => {
    await removeTempDir(dir);
  });

  it('is written under ~/.cache/scoped-mcp by default', async () => {
    await serveOnce(dir);
    expect(filesUnder(join(dir, '.cache', 'scoped-mcp')).length).toBeGreaterThan(0);
  });

  it('follows an absolute XDG_CACHE_HOME and ignores a relative one', async () => {
    const xdg = join(dir, 'xdg');
    await serveOnce(dir, { XDG_CACHE_HOME: xdg });
    expect(filesUnder(join(xdg, 'scoped-mcp')).length).toBeGreaterThan(0);
    expect(filesUnder(join(dir, '.cache'))).toEqual([]);

    await serveOnce(dir, { XDG_CACHE_HOME: 'relative-cache' });
    expect(filesUnder(join(dir, 'relative-cache'))).toEqual([]);
    expect(filesUnder(join(dir, '.cache', 'scoped-mcp')).length).toBeGreaterThan(0);
  });

  it("leaves the operator's NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE in charge", async () => {
    const chosen = join(dir, 'operator-cache');
    await serveOnce(dir, { NODE_COMPILE_CACHE: chosen });
    expect(filesUnder(chosen).length).toBeGreaterThan(0);
    expect(filesUnder(join(dir, '.cache'))).toEqual([]);

    await serveOnce(dir, { NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(filesUnder(join(dir, '.cache'))).toEqual([]);
  });

  it('is not touched by the commands that do not serve', async () => {
    const result = await runCli(['validate', '--manifest', researchManifest], {
      cwd: dir,
      env: childEnv(dir),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(filesUnder(join(dir, '.cache'))).toEqual([]);
  });
});
