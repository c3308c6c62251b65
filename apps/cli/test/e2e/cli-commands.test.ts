import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliVersion } from '../helpers/cli-version.js';
import { childEnv } from '../helpers/env.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

describe('non-serving commands', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await makeTempDir('commands');
    env = childEnv(dir);
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it('`modules` lists the installed first-party modules, reading package.json only', async () => {
    const run = await runCli(['modules'], { cwd: dir, env });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const packages = run.stdout
      .split('\n')
      .filter((line) => /^\S/.test(line))
      .map((line) => line.split('@').slice(0, 2).join('@'));
    expect(packages).toEqual(
      expect.arrayContaining(['@scoped-mcp/module-filesystem', '@scoped-mcp/module-sqlite']),
    );
    expect(run.stdout).not.toContain('will not load');
  });

  it('`modules` also lists modules installed under the working directory, saying they are never loaded', async () => {
    const project = join(dir, 'project');
    const pkg = join(project, 'node_modules', '@acme', 'scoped-mcp-module-notes');
    await mkdir(pkg, { recursive: true });
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: '@acme/scoped-mcp-module-notes',
        version: '2.0.0',
        keywords: ['scoped-mcp-module'],
        peerDependencies: { '@scoped-mcp/core': '*' },
      }),
    );
    const run = await runCli(['modules'], { cwd: project, env });
    expect(run.code).toBe(0);
    const [loadable, listedOnly] = run.stdout.split('\nAlso installed under the working directory');
    expect(loadable).toContain('@scoped-mcp/module-filesystem@');
    expect(loadable).not.toContain('@acme/scoped-mcp-module-notes');
    expect(listedOnly).toContain(`(${project}), listed only: a server never loads modules from there`);
    expect(listedOnly).toContain('@acme/scoped-mcp-module-notes@2.0.0');
  });

  it('`schema` prints the manifest JSON Schema', async () => {
    const run = await runCli(['schema'], { cwd: dir, env });
    expect(run.code).toBe(0);
    const schema = JSON.parse(run.stdout) as { type?: string; properties?: Record<string, unknown> };
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties ?? {})).toEqual(
      expect.arrayContaining(['modules', 'workspace_access']),
    );
  });

  it('`--help` exits 0 and prints the usage on stdout', async () => {
    const run = await runCli(['--help'], { cwd: dir, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage:/m);
    expect(run.stdout).toContain('scoped-mcp run --manifest PATH');
    expect(run.stderr).toBe('');
  });

  it('`--version` prints the CLI version', async () => {
    const run = await runCli(['--version'], { cwd: dir, env });
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(cliVersion);
  });

  it('no arguments: usage on stderr, exit 1', async () => {
    const run = await runCli([], { cwd: dir, env });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Usage:/m);
  });

  it('an unknown flag is named, exit 1', async () => {
    const run = await runCli(['validate', '--manifset', 'x.yml'], { cwd: dir, env });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--manifset');
  });

  it('`audit verify` on a missing file exits 1 naming the file', async () => {
    const run = await runCli(['audit', 'verify', `${dir}/nope.jsonl`], { cwd: dir, env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('nope.jsonl');
  });
});
