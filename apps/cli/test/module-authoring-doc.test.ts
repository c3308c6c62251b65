import { execFile } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRedisFixture, type RedisServerHandle } from './helpers/guardrails-redis.js';
import { repoRoot } from './helpers/paths.js';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.js';

const run = promisify(execFile);

/** The code blocks of docs/module-authoring.md, each with the file its `<!-- file: … -->` comment names. */
function docBlocks(): { language: string; file: string | undefined; text: string }[] {
  const doc = readFileSync(join(repoRoot, 'docs', 'module-authoring.md'), 'utf8');
  return [...doc.matchAll(/(?:<!-- file: (\S+) -->\n)?```(\w*)\n([\s\S]*?)```/g)].map((m) => ({
    file: m[1],
    language: m[2]!,
    text: m[3]!,
  }));
}

/** Where a package the doc's code imports comes from in this workspace. */
const WORKSPACE_PACKAGES: Readonly<Record<string, string>> = {
  '@scoped-mcp/core': join(repoRoot, 'packages', 'core'),
  '@scoped-mcp/testing': join(repoRoot, 'packages', 'testing'),
  ioredis: realpathSync(join(repoRoot, 'packages', 'state-redis', 'node_modules', 'ioredis')),
  vitest: realpathSync(join(repoRoot, 'node_modules', 'vitest')),
  '@types/node': realpathSync(join(repoRoot, 'node_modules', '@types', 'node')),
};

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

// The page a module author starts from: its package.json, tsconfig and every TypeScript block become a
// package that must compile, with its imports declared, and whose tests pass.
describe('docs/module-authoring.md', () => {
  const blocks = docBlocks();
  let dir: string;
  let redis: RedisServerHandle | undefined;

  beforeAll(async () => {
    dir = await makeTempDir('module-doc');
    for (const block of blocks.filter((b) => b.file)) {
      await mkdir(dirname(join(dir, block.file!)), { recursive: true });
      await writeFile(join(dir, block.file!), block.text);
    }
    await writeFile(join(dir, 'README.md'), '# @acme/scoped-mcp-module-redis\n');
    for (const [name, target] of Object.entries(WORKSPACE_PACKAGES)) {
      await mkdir(dirname(join(dir, 'node_modules', name)), { recursive: true });
      await symlink(target, join(dir, 'node_modules', name), 'dir');
    }
  });
  afterAll(async () => {
    await redis?.stop();
    await removeTempDir(dir);
  });

  it('names the file of every TypeScript block, and gives package.json and tsconfig.json', () => {
    const typescript = blocks.filter((b) => b.language === 'ts');
    expect(typescript.length).toBeGreaterThanOrEqual(3);
    for (const block of typescript) expect(block.file, block.text.slice(0, 80)).toMatch(/^src\/.+\.ts$/);
    expect(blocks.map((b) => b.file)).toEqual(expect.arrayContaining(['package.json', 'tsconfig.json']));
  });

  it('declares in its package.json every package its code imports, core as a peer and a dev dependency', () => {
    const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<
      'dependencies' | 'devDependencies' | 'peerDependencies',
      Record<string, string> | undefined
    >;
    const declared = { ...json.dependencies, ...json.devDependencies, ...json.peerDependencies };
    const imported = blocks
      .filter((b) => b.language === 'ts')
      .flatMap((b) => [...b.text.matchAll(/from '([^'.][^']*)'/g)].map((m) => m[1]!))
      .filter((specifier) => !specifier.startsWith('node:'))
      .map(packageOf);
    for (const name of new Set(imported)) expect(Object.keys(declared), `import of ${name}`).toContain(name);
    expect(json.peerDependencies?.['@scoped-mcp/core']).toBeDefined();
    expect(json.devDependencies?.['@scoped-mcp/core']).toBeDefined();
    expect(json.dependencies?.['@scoped-mcp/core']).toBeUndefined();
    for (const tool of ['typescript', 'vitest', '@scoped-mcp/testing', '@types/node'])
      expect(Object.keys(json.devDependencies ?? {})).toContain(tool);
  });

  it('compiles with its own tsconfig', { timeout: 120_000 }, async () => {
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--noEmit'], {
      cwd: dir,
    }).catch((error: { stdout: string; stderr: string }) => error);
    expect(`${result.stdout}${result.stderr}`).toBe('');
  });

  it('passes its own tests against a real Redis', { timeout: 120_000 }, async () => {
    const fixture = await loadRedisFixture();
    if (!fixture.redisServerAvailable()) return; // CI installs redis-server; without it only the compile counts
    redis = await fixture.startRedisServer();
    const vitest = join(WORKSPACE_PACKAGES.vitest!, 'vitest.mjs');
    const reportFile = join(dir, 'report.json');
    const args = [vitest, 'run', '--root', dir, '--reporter', 'json', '--outputFile', reportFile];
    const result = await run(process.execPath, args, {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, REDIS_URL: redis.url },
    }).catch((error: { stdout: string; stderr: string }) => error);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
      numFailedTests: number;
      numPassedTests: number;
      success: boolean;
      testResults: { assertionResults: { fullName: string; failureMessages: string[] }[] }[];
    };
    const failures = report.testResults
      .flatMap((file) => file.assertionResults)
      .filter((test) => test.failureMessages.length > 0)
      .map((test) => `${test.fullName}: ${test.failureMessages[0]?.split('\n')[0]}`);
    expect(failures, result.stderr).toEqual([]);
    expect(report).toMatchObject({ success: true, numFailedTests: 0 });
    expect(report.numPassedTests).toBeGreaterThanOrEqual(6);
  });
});
