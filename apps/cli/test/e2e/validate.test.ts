import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureOutput } from '../../src/__fixtures__/capture-output.js';
import { main } from '../../src/main.js';
import { BUILD_TOOLS, RESEARCH_READ_TOOLS, STATUS_TOOL, sorted } from '../helpers/expected-tools.js';
import { buildManifest, researchManifest } from '../helpers/paths.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/** The indented tool lines `validate` prints under its OK line. */
function listedTools(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => /^\s+\S+$/.test(line))
    .map((line) => line.trim());
}

// The command's main, run in this process with its output captured: checking a manifest needs no process.
describe('scoped-mcp validate', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('validate');
  });
  afterEach(async () => {
    vi.unstubAllEnvs();
    await removeTempDir(dir);
  });

  it.each([
    ['build-agent.yml', buildManifest, 'build', BUILD_TOOLS],
    ['research-agent.yml', researchManifest, 'research', RESEARCH_READ_TOOLS],
  ])(
    '%s: exits 0 and lists exactly its tools plus scoped_mcp_status',
    async (_name, manifest, type, tools) => {
      vi.stubEnv('SCOPED_MCP_DATA_DIR', dir);
      const run = await captureOutput(async () => (await main(['validate', '--manifest', manifest])) ?? 0);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^OK: .*agent_type '${type}'`));
      expect(sorted(listedTools(run.stdout))).toEqual(sorted([...tools, STATUS_TOOL]));
      // No module setup ran: checking a manifest creates no agent directory or database.
      expect(await readdir(dir)).toEqual([]);
    },
  );
});
