import { chmod, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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

// validate looks at what a server start would refuse, without creating anything (modules' own checks).
describe('scoped-mcp validate finds what the server would refuse', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('validate-checks');
  });
  afterEach(async () => {
    await removeTempDir(dir);
  });

  async function validate(manifest: string) {
    const path = join(dir, 'agent.yml');
    await writeFile(path, manifest);
    return captureOutput(async () => (await main(['validate', '--manifest', path])) ?? 0);
  }

  it('a base_path and a db_dir that cannot be created, each with its field and fix', async () => {
    await writeFile(join(dir, 'data'), 'a file where a directory should be');
    const run = await validate(`
agent_type: research
modules:
  filesystem: { config: { base_path: data/files } }
  sqlite: { config: { db_dir: data/sqlite } }
`);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      `modules.filesystem: config base_path: '${join(dir, 'data', 'files', 'agents')}' cannot be created: '${join(dir, 'data')}' is a file`,
    );
    expect(run.stderr).toContain(
      `modules.sqlite: config db_dir: '${join(dir, 'data', 'sqlite')}' cannot be created`,
    );
    expect(run.stderr).toContain('fix: ');
  });

  it('a misspelt module key: the installed module it is close to, not an install of a package that does not exist', async () => {
    const run = await validate(`
agent_type: research
modules:
  filesytem: { config: { base_path: files } }
`);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /did you mean 'filesystem'\? \(@scoped-mcp\/module-filesystem@[^ ]+ is installed\)/,
    );
    expect(run.stderr).toContain("fix: write 'filesystem' for the key 'filesytem'");
    expect(run.stderr).not.toContain('add @scoped-mcp/module-filesytem');
  });

  it('a credentials file the server would refuse (mode 0644)', async () => {
    await writeFile(join(dir, 'secrets.yml'), 'TOKEN: x\n');
    await chmod(join(dir, 'secrets.yml'), 0o644);
    const run = await validate(`
agent_type: research
modules:
  filesystem: { config: { base_path: files } }
credentials: { source: file, path: secrets.yml }
`);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('has insecure permissions: mode 0644');
    expect(run.stderr).toContain(`chmod 600 ${join(dir, 'secrets.yml')}`);
    expect(await readdir(dir)).toEqual(['agent.yml', 'secrets.yml']);
  });
});
