import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE_BIN, CONFORMANCE_DRIVER } from '../fixtures/upstreams/proxy-support.js';
import { requireBuiltCli } from '../helpers/paths.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

interface Check {
  readonly id: string;
  readonly status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO';
  readonly errorMessage?: string;
}

/** Runs one official client scenario with the driver as the client; the mock server is the proxy's upstream. */
function runScenario(scenario: string, outDir: string): Promise<{ code: number | null; output: string }> {
  requireBuiltCli();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        CONFORMANCE_BIN,
        'client',
        // The tool splits this on spaces and runs it through a shell: neither path may contain a space.
        '--command',
        `${process.execPath} ${CONFORMANCE_DRIVER}`,
        '--scenario',
        scenario,
        '-o',
        outDir,
        '--timeout',
        '60000',
      ],
      { cwd: outDir, env: { PATH: process.env.PATH ?? '', HOME: outDir }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function checksOf(outDir: string): Promise<Check[]> {
  const [resultDir] = await readdir(outDir);
  if (!resultDir) throw new Error('the conformance tool wrote no results');
  return JSON.parse(await readFile(join(outDir, resultDir, 'checks.json'), 'utf8')) as Check[];
}

describe('official MCP conformance client scenarios against the proxy upstream leg', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await makeTempDir('proxy-conformance');
    for (const path of [CONFORMANCE_DRIVER, process.execPath]) {
      if (path.includes(' ')) throw new Error(`conformance cannot run a command with a space in it: ${path}`);
    }
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it.each([
    ['initialize', ['mcp-client-initialization']],
    ['tools_call', ['tool-add-numbers']],
    ['sse-retry', ['client-sse-graceful-reconnect']],
  ])(
    '%s passes (exit 0, no failed or warning checks)',
    async (scenario, mustSucceed) => {
      const outDir = join(dir, scenario);
      await mkdir(outDir);
      const { code, output } = await runScenario(scenario, outDir);
      const checks = await checksOf(outDir);
      const bad = checks.filter((c) => c.status === 'FAILURE' || c.status === 'WARNING');
      expect(bad, output).toEqual([]);
      for (const id of mustSucceed) {
        expect(checks.find((c) => c.id === id)?.status, `${id}\n${output}`).toBe('SUCCESS');
      }
      expect(output).toMatch(/OVERALL: PASSED/);
      expect(code, output).toBe(0);
    },
    120_000,
  );
});
