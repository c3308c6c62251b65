import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flipping, mislabelled, noDynamicTools, wellBehaved } from './__fixtures__/modules.js';
import { conformanceChecks, describeModuleConformance } from './conformance.js';
import { createModuleHarness } from './harness.js';

const READ_MODE = 'registers only read tools in read mode, dynamic ones included, and every tool otherwise';

function check(module: typeof wellBehaved, name: string, options: Parameters<typeof conformanceChecks>[1]) {
  const found = conformanceChecks(module, options).find((c) => c.name.startsWith(name));
  if (!found) throw new Error(`no check '${name}'`);
  return found.run();
}

// The whole suite, on a module that follows the contract.
describeModuleConformance(wellBehaved, { config: {} });

describe('the read-mode check covers dynamic tools', () => {
  it('passes a module whose read-mode instance serves its read tools, dynamic ones included', async () => {
    await check(wellBehaved, READ_MODE, { config: {} });
    const reader = await createModuleHarness(wellBehaved, { mode: 'read' });
    expect([...reader.toolNames].sort()).toEqual(['well_behaved_look', 'well_behaved_remote_read']);
    await reader.close();
  });

  it('fails a module whose dynamic tool is declared read but says it is destructive', async () => {
    await expect(check(mislabelled, READ_MODE, { config: {} })).rejects.toThrow(
      'mislabelled_remote_wipe is a write tool served in read mode',
    );
  });

  it('fails a module that calls a dynamic tool read for one instance and write for another', async () => {
    await expect(check(flipping, READ_MODE, { config: {} })).rejects.toThrow(
      'a read-mode instance serves the read tools of a write-mode instance',
    );
  });

  it('fails when the config gives the module no dynamic tool to check', async () => {
    await expect(check(noDynamicTools, READ_MODE, { config: {} })).rejects.toThrow(
      'the config must give dynamic tools to check',
    );
  });
});

describe('the package check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'conformance-package-'));
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'scoped-mcp-module-well-behaved',
        type: 'module',
        keywords: ['scoped-mcp-module'],
        exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
        files: ['dist'],
        peerDependencies: { '@scoped-mcp/core': '^0.1.0' },
      }),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('asks for a README only when told to', async () => {
    const names = (readme: boolean) =>
      conformanceChecks(wellBehaved, { config: {}, packageDir: dir, readme }).map((c) => c.name);
    expect(names(false)).toContain('has a publishable package.json');
    expect(names(true)).toContain('has a publishable package.json and a README');
    await check(wellBehaved, 'has a publishable package.json', { config: {}, packageDir: dir });
    await expect(
      check(wellBehaved, 'has a publishable package.json', { config: {}, packageDir: dir, readme: true }),
    ).rejects.toThrow('README.md');
    await writeFile(join(dir, 'README.md'), '# well_behaved\n');
    await check(wellBehaved, 'has a publishable package.json', { config: {}, packageDir: dir, readme: true });
  });
});
