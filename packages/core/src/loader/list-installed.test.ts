import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  brandedModuleSource,
  exists,
  moduleNameOf,
  tempDir,
  writePackage,
} from '../__fixtures__/module-packages.js';
import { coreVersion } from './plugin-package.js';
import { listInstalledModules } from './list-installed.js';

let root: string;
let marker: string;

beforeEach(async () => {
  root = await tempDir('list');
  marker = join(root, 'some-module-code-ran');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Every fixture's code writes the marker, so any import would show. */
async function install(
  base: string,
  name: string,
  extra: Parameters<typeof writePackage>[1] extends infer P ? Partial<P> : never = {},
) {
  return writePackage(base, {
    name,
    files: { 'index.mjs': brandedModuleSource({ name: moduleNameOf(name), marker }) },
    ...extra,
  });
}

describe('listInstalledModules', () => {
  it('finds the three naming forms by package.json alone', async () => {
    await install(root, '@scoped-mcp/module-alpha', {
      version: '1.1.0',
      packageJson: { description: 'Alpha module' },
    });
    await install(root, 'scoped-mcp-module-beta', { version: '2.0.0' });
    await install(root, '@acme/scoped-mcp-module-gamma', { version: '3.0.0' });
    const list = await listInstalledModules([root], coreVersion());
    expect(list).toEqual([
      {
        packageName: '@acme/scoped-mcp-module-gamma',
        version: '3.0.0',
        description: '',
        dir: join(root, 'node_modules/@acme/scoped-mcp-module-gamma'),
      },
      {
        packageName: '@scoped-mcp/module-alpha',
        version: '1.1.0',
        description: 'Alpha module',
        dir: join(root, 'node_modules/@scoped-mcp/module-alpha'),
      },
      {
        packageName: 'scoped-mcp-module-beta',
        version: '2.0.0',
        description: '',
        dir: join(root, 'node_modules/scoped-mcp-module-beta'),
      },
    ]);
    expect(await exists(marker)).toBe(false);
  });

  it('ignores packages without the keyword and packages outside the naming forms', async () => {
    await install(root, '@scoped-mcp/module-nokw', { keywords: ['mcp'] });
    await install(root, 'scoped-mcp-module-nokw', { keywords: [] });
    await install(root, '@acme/redis');
    await install(root, 'random-package');
    await install(root, '@scoped-mcp/state-redis');
    await install(root, '@scoped-mcp/cli');
    expect(await listInstalledModules([root], coreVersion())).toEqual([]);
    expect(await exists(marker)).toBe(false);
  });

  it('reports an incompatible module instead of hiding it', async () => {
    await install(root, '@scoped-mcp/module-old', { peer: '^99.0.0' });
    await install(root, 'scoped-mcp-module-nopeer', { peer: null });
    const list = await listInstalledModules([root], coreVersion());
    expect(list.map((m) => [m.packageName, m.problem])).toEqual([
      [
        '@scoped-mcp/module-old',
        `it needs @scoped-mcp/core ^99.0.0, but this scoped-mcp runs core ${coreVersion()}`,
      ],
      ['scoped-mcp-module-nopeer', 'it does not declare @scoped-mcp/core as a peer dependency'],
    ]);
  });

  it('shows "?" for a package without a version', async () => {
    const dir = join(root, 'node_modules', 'scoped-mcp-module-nover');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'scoped-mcp-module-nover',
        keywords: ['scoped-mcp-module'],
        peerDependencies: { '@scoped-mcp/core': '*' },
      }),
    );
    const [only] = await listInstalledModules([root], coreVersion());
    expect(only).toMatchObject({ packageName: 'scoped-mcp-module-nover', version: '?' });
    expect(only?.problem).toBeUndefined();
  });

  // The loader looks a package up by its directory; a package.json claiming another name would never be
  // loaded from there, so listing it as that module (without a problem) misleads the operator.
  it('flags a package whose package.json names a different package than its directory', async () => {
    await install(root, 'scoped-mcp-module-impostor', {
      packageJson: { name: '@scoped-mcp/module-filesystem' },
    });
    const [only] = await listInstalledModules([root], coreVersion());
    expect(only?.dir).toBe(join(root, 'node_modules', 'scoped-mcp-module-impostor'));
    expect(only?.problem).toMatch(/scoped-mcp-module-impostor/);
  });

  it('walks up parent directories and lists the nearest copy first-come', async () => {
    const project = join(root, 'project', 'deep');
    await mkdir(project, { recursive: true });
    await install(root, '@scoped-mcp/module-alpha', { version: '1.0.0' });
    await install(join(root, 'project'), '@scoped-mcp/module-alpha', { version: '2.0.0' });
    await install(root, '@scoped-mcp/module-beta', { version: '1.0.0' });
    const list = await listInstalledModules([project], coreVersion());
    expect(list.map((m) => `${m.packageName}@${m.version}`)).toEqual([
      '@scoped-mcp/module-alpha@2.0.0',
      '@scoped-mcp/module-beta@1.0.0',
    ]);
  });

  it('searches the bases in order and merges them', async () => {
    const first = join(root, 'first');
    const second = join(root, 'second');
    await install(first, '@scoped-mcp/module-alpha', { version: '1.0.0' });
    await install(second, '@scoped-mcp/module-alpha', { version: '2.0.0' });
    await install(second, 'scoped-mcp-module-only-second');
    const list = await listInstalledModules([first, second], coreVersion());
    expect(list.map((m) => `${m.packageName}@${m.version}`)).toEqual([
      '@scoped-mcp/module-alpha@1.0.0',
      'scoped-mcp-module-only-second@1.0.0',
    ]);
  });

  it('tolerates missing directories and broken package.json files', async () => {
    const dir = join(root, 'node_modules', '@scoped-mcp', 'module-broken');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), '{ broken');
    await writeFile(join(root, 'node_modules', 'scoped-mcp-module-file'), 'not a directory');
    expect(await listInstalledModules([root, join(root, 'does-not-exist')], coreVersion())).toEqual([]);
  });
});
