import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from '../helpers/env.js';
import { cliBin, requireBuiltCli, researchManifest } from '../helpers/paths.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/** Runs a command whose reader is gone before it writes a byte, as `scoped-mcp … | head -0` would. */
function runWithClosedStdout(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  requireBuiltCli();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('a command whose output pipe is closed', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('closed-output');
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it.each([
    [['schema']],
    [['validate', '--manifest', researchManifest]],
    [['modules']],
    [['--help']],
    [['--version']],
  ])('%j ends quietly, without an EPIPE stack', async (args) => {
    const run = await runWithClosedStdout(args, childEnv(dir, { SCOPED_MCP_DATA_DIR: dir }));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
