import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINIMUM_NODE_MAJOR, nodeVersionProblem } from '../../bin/node-version.js';
import { cliBin, repoRoot } from '../helpers/paths.js';

/** A Node older than the supported one on this machine (the system's own, before Node 24 is put first). */
function findOldNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node', '/bin/node']) {
    try {
      const major = Number(execFileSync(candidate, ['-p', 'process.versions.node.split(".")[0]']).toString());
      if (major < MINIMUM_NODE_MAJOR) return candidate;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

describe('the Node version check', () => {
  it('refuses an older Node, naming it and what to install', () => {
    const message = nodeVersionProblem('20.20.2', '/usr/bin/node');
    expect(message).toContain(`needs Node.js ${MINIMUM_NODE_MAJOR} or newer`);
    expect(message).toContain('Node.js 20.20.2 (/usr/bin/node)');
    expect(message).toContain('fix: install Node.js');
    expect(nodeVersionProblem('21.7.3', 'node')).toBeDefined();
    expect(nodeVersionProblem('garbage', 'node')).toBeDefined();
  });

  it('accepts the supported versions', () => {
    expect(nodeVersionProblem(`${MINIMUM_NODE_MAJOR}.0.0`, 'node')).toBeUndefined();
    expect(nodeVersionProblem('24.22.3', 'node')).toBeUndefined();
    expect(nodeVersionProblem('30.1.0', 'node')).toBeUndefined();
  });

  it("agrees with every package's engines field", async () => {
    const dirs = [
      '.',
      'apps/cli',
      ...(await readdir(join(repoRoot, 'packages'))).map((p) => `packages/${p}`),
    ];
    for (const dir of dirs) {
      const json = JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as {
        engines?: { node?: string };
      };
      expect(json.engines?.node, `${dir}/package.json`).toBe(`>=${MINIMUM_NODE_MAJOR}`);
    }
  });

  const oldNode = findOldNode();
  // Before the check, better-sqlite3 crashed such a Node on load (exit code 13 or a segfault).
  it.skipIf(!oldNode)('the scoped-mcp executable says what to install on an older Node', () => {
    const run = spawnSync(oldNode!, [cliBin, '--version'], { encoding: 'utf8', timeout: 20_000 });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`scoped-mcp needs Node.js ${MINIMUM_NODE_MAJOR} or newer`);
  });

  it.skipIf(!oldNode)('pnpm demo says so before building anything', () => {
    const run = spawnSync(oldNode!, [join(repoRoot, 'scripts', 'demo.mjs')], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('run `pnpm demo` again');
  });
});
