import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  brandedModuleSource,
  coreModuleSource,
  exists,
  linkCore,
  tempDir,
  writePackage,
} from '../__fixtures__/module-packages.js';
import { coreVersion } from './plugin-package.js';
import { type LoaderOptions, loadModules } from './load-modules.js';
import { FIRST_PARTY_MODULES } from './module-plugin.js';

let root: string;
let manifestDir: string;

beforeEach(async () => {
  root = await tempDir('loader');
  manifestDir = join(root, 'project', 'manifests');
  await mkdir(manifestDir, { recursive: true });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function options(overrides: Partial<LoaderOptions> = {}): LoaderOptions {
  return { manifestDir, coreVersion: coreVersion(), ...overrides };
}

async function loadOne(type: string, overrides: Partial<LoaderOptions> = {}, key = 'mod') {
  const { loaded, failures } = await loadModules([{ key, type }], options(overrides));
  expect(loaded.length + failures.length).toBe(1);
  return { loaded: loaded[0], failure: failures[0] };
}

describe('loadModules: resolution', () => {
  it('loads a package installed next to the manifest', async () => {
    await writePackage(manifestDir, { name: '@scoped-mcp/module-alpha', version: '1.2.3' });
    const { loaded, failure } = await loadOne('alpha');
    expect(failure).toBeUndefined();
    expect(loaded).toMatchObject({ key: 'mod', type: 'alpha', source: '@scoped-mcp/module-alpha@1.2.3' });
    expect(loaded?.module.name).toBe('alpha');
  });

  it('walks up from the manifest directory', async () => {
    await writePackage(root, { name: '@scoped-mcp/module-alpha', version: '4.0.0' });
    const { loaded } = await loadOne('alpha');
    expect(loaded?.source).toBe('@scoped-mcp/module-alpha@4.0.0');
  });

  it('searches the manifest directory, then the CLI directory, then --modules-from', async () => {
    const cliDir = join(root, 'cli');
    const extra = join(root, 'extra');
    await writePackage(cliDir, { name: '@scoped-mcp/module-alpha', version: '2.0.0' });
    await writePackage(extra, { name: '@scoped-mcp/module-alpha', version: '3.0.0' });
    await writePackage(extra, { name: '@scoped-mcp/module-beta', version: '3.0.0' });
    await writePackage(manifestDir, { name: '@scoped-mcp/module-gamma', version: '1.0.0' });
    await writePackage(cliDir, { name: '@scoped-mcp/module-gamma', version: '2.0.0' });
    const { loaded, failures } = await loadModules(
      [
        { key: 'a', type: 'alpha' },
        { key: 'b', type: 'beta' },
        { key: 'g', type: 'gamma' },
      ],
      options({ cliDir, modulesFrom: [extra] }),
    );
    expect(failures).toEqual([]);
    expect(Object.fromEntries(loaded.map((l) => [l.key, l.source]))).toEqual({
      a: '@scoped-mcp/module-alpha@2.0.0',
      b: '@scoped-mcp/module-beta@3.0.0',
      g: '@scoped-mcp/module-gamma@1.0.0',
    });
  });

  it('loads a package linked into node_modules, as pnpm installs it', async () => {
    const store = join(root, 'store');
    const real = await writePackage(store, { name: '@scoped-mcp/module-linked', version: '5.0.0' });
    await mkdir(join(manifestDir, 'node_modules', '@scoped-mcp'), { recursive: true });
    await symlink(real, join(manifestDir, 'node_modules', '@scoped-mcp', 'module-linked'), 'dir');
    const { loaded, failure } = await loadOne('linked');
    expect(failure).toBeUndefined();
    expect(loaded?.source).toBe('@scoped-mcp/module-linked@5.0.0');
  });

  it('searches several --modules-from directories in order', async () => {
    const one = join(root, 'one');
    const two = join(root, 'two');
    await writePackage(one, { name: '@acme/scoped-mcp-module-redis', version: '1.0.0' });
    await writePackage(two, { name: '@acme/scoped-mcp-module-redis', version: '2.0.0' });
    expect((await loadOne('@acme/redis', { modulesFrom: [two, one] })).loaded?.source).toBe(
      '@acme/scoped-mcp-module-redis@2.0.0',
    );
  });

  it('never resolves from the working directory, even when the package is there', async () => {
    const workspace = join(root, 'agent-workspace');
    const marker = join(root, 'planted-ran');
    await writePackage(workspace, {
      name: '@scoped-mcp/module-planted',
      files: { 'index.mjs': brandedModuleSource({ name: 'planted', marker }) },
    });
    await writeFile(join(workspace, 'x.mjs'), brandedModuleSource({ name: 'x', marker }));
    const saved = process.cwd();
    process.chdir(workspace);
    try {
      const { loaded, failures } = await loadModules(
        [
          { key: 'planted', type: 'planted' },
          { key: 'file', type: './x.mjs' },
        ],
        options(),
      );
      expect(loaded).toEqual([]);
      expect(failures.map((f) => [f.key, f.kind])).toEqual([
        ['planted', 'not_found'],
        ['file', 'import_failed'],
      ]);
      expect(failures[0]?.message).not.toContain(workspace);
    } finally {
      process.chdir(saved);
    }
    expect(await exists(marker)).toBe(false);
  });

  it('loads a ./file module relative to the manifest directory', async () => {
    await writeFile(join(manifestDir, 'local.mjs'), brandedModuleSource({ name: 'whatever' }));
    await mkdir(join(root, 'project', 'shared'));
    await writeFile(join(root, 'project', 'shared', 'up.mjs'), brandedModuleSource({ name: 'up' }));
    const { loaded, failures } = await loadModules(
      [
        { key: 'local', type: './local.mjs' },
        { key: 'up', type: '../shared/up.mjs' },
      ],
      options(),
    );
    expect(failures).toEqual([]);
    expect(loaded.map((l) => l.source)).toEqual([
      join(manifestDir, 'local.mjs'),
      join(root, 'project', 'shared', 'up.mjs'),
    ]);
    expect(loaded[0]?.module.name).toBe('whatever');
  });

  it('says where it looked and what to run when a package is missing', async () => {
    const cliDir = join(root, 'cli');
    const extra = join(root, 'extra');
    const { failure } = await loadOne('@acme/missing-thing', { cliDir, modulesFrom: [extra] });
    expect(failure?.kind).toBe('not_found');
    expect(failure?.message).toContain(
      "modules.mod: module package '@acme/scoped-mcp-module-missing-thing' is not installed",
    );
    for (const dir of [manifestDir, cliDir, extra]) expect(failure?.message).toContain(dir);
    expect(failure?.message).toContain('fix: pnpm add @acme/scoped-mcp-module-missing-thing');
  });

  // A misspelt key must not send people to install a package that does not exist.
  it('suggests the installed module a misspelt name is close to, not an install', async () => {
    await writePackage(manifestDir, { name: '@scoped-mcp/module-filesystem', version: '0.3.0' });
    const { failure } = await loadOne('filesytem', {}, 'filesytem');
    expect(failure?.kind).toBe('not_found');
    expect(failure?.message).toContain(
      "did you mean 'filesystem'? (@scoped-mcp/module-filesystem@0.3.0 is installed)\n  fix: write 'filesystem' for the key 'filesytem'",
    );
    expect(failure?.message).not.toContain('add @scoped-mcp/module-filesytem');
  });

  it('suggests a first-party module that is not installed, with its install', async () => {
    const { failure } = await loadOne('sqllite');
    expect(failure?.message).toContain(
      "did you mean 'sqlite'?\n  fix: write 'sqlite' for type: sqllite, and install it: pnpm add @scoped-mcp/module-sqlite",
    );
  });

  it('suggests a third-party module by the type that names it', async () => {
    await writePackage(manifestDir, { name: '@acme/scoped-mcp-module-redis', version: '1.0.0' });
    const { failure } = await loadOne('@acme/rdis');
    expect(failure?.message).toContain(
      "did you mean '@acme/redis'? (@acme/scoped-mcp-module-redis@1.0.0 is installed)",
    );
  });

  it('does not offer to install a first-party package that does not exist', async () => {
    const { failure } = await loadOne('notes_db');
    expect(failure?.message).toContain(
      `'notes_db' is not a first-party module (those are: ${FIRST_PARTY_MODULES.join(', ')})`,
    );
    expect(failure?.message).toContain('type: "@acme/notes_db" loads @acme/scoped-mcp-module-notes-db');
    expect(failure?.message).not.toContain('add @scoped-mcp/module-notes-db');
  });

  it('knows every module package of this repository as first-party', async () => {
    const packages = await readdir(new URL('../../../', import.meta.url));
    const modules = packages
      .filter((p) => p.startsWith('module-'))
      .map((p) => p.slice(7).replaceAll('-', '_'));
    expect(modules.length).toBeGreaterThan(0);
    expect(FIRST_PARTY_MODULES).toEqual(expect.arrayContaining(modules));
  });

  it('offers the install for a first-party module that is simply not installed', async () => {
    const { failure } = await loadOne('sqlite');
    expect(failure?.message).toContain('fix: pnpm add @scoped-mcp/module-sqlite');
    expect(failure?.message).not.toContain('did you mean');
  });

  it('reports a malformed type without looking anything up', async () => {
    const { failure } = await loadOne('Not A Module');
    expect(failure).toMatchObject({ kind: 'invalid', key: 'mod', type: 'Not A Module' });
    expect(failure?.message).toMatch(/^modules\.mod\.type: 'Not A Module' is not a module name/);
  });
});

describe('loadModules: package.json is checked before any code runs', () => {
  const cases: [string, Parameters<typeof writePackage>[1] extends infer P ? Partial<P> : never, string][] = [
    [
      'a wrong package name',
      { packageJson: { name: '@scoped-mcp/module-other' } },
      "names '@scoped-mcp/module-other'",
    ],
    ['a missing keyword', { keywords: ['mcp'] }, "keywords lack 'scoped-mcp-module'"],
    ['a missing peer dependency', { peer: null }, 'does not declare @scoped-mcp/core as a peer dependency'],
    [
      'a peer range that excludes this core',
      { peer: '>=999.0.0' },
      'needs @scoped-mcp/core >=999.0.0, but this scoped-mcp runs core',
    ],
  ];

  it.each(cases)('refuses %s without importing the module', async (_label, overrides, expected) => {
    const marker = join(root, 'imported');
    const dir = await writePackage(manifestDir, {
      name: '@scoped-mcp/module-checked',
      files: { 'index.mjs': brandedModuleSource({ name: 'checked', marker }) },
      ...overrides,
    });
    const { failure } = await loadOne('checked');
    expect(failure?.kind).toBe('incompatible');
    expect(failure?.message).toContain(expected);
    expect(failure?.message).toContain(dir);
    expect(failure?.message).toContain(
      'fix: pnpm add @scoped-mcp/module-checked@latest @scoped-mcp/core@latest',
    );
    expect(await exists(marker)).toBe(false);
  });

  it('accepts a workspace:^ peer range', async () => {
    await writePackage(manifestDir, { name: '@scoped-mcp/module-ws', peer: 'workspace:^' });
    expect((await loadOne('ws')).loaded?.module.name).toBe('ws');
  });
});

describe('loadModules: importing and checking the export', () => {
  it('reports a module that throws on import as import_failed, first line only', async () => {
    await writePackage(manifestDir, {
      name: '@scoped-mcp/module-boom',
      files: { 'index.mjs': "throw new TypeError('boom at import\\nsecond line with detail');" },
    });
    const { failure } = await loadOne('boom');
    expect(failure?.kind).toBe('import_failed');
    expect(failure?.message).toBe(
      'modules.mod: importing @scoped-mcp/module-boom@1.0.0 failed: TypeError: boom at import',
    );
  });

  it('reports a syntax error as import_failed', async () => {
    await writePackage(manifestDir, {
      name: '@scoped-mcp/module-syntax',
      files: { 'index.mjs': 'export default {' },
    });
    expect((await loadOne('syntax')).failure?.kind).toBe('import_failed');
  });

  it.each([
    ['a plain object', 'export default { name: "plain", tools: {} };'],
    [
      'a wrong brand value',
      'export default { [Symbol.for("scoped-mcp.module")]: true, name: "plain", tools: {} };',
    ],
    [
      'a local (non-registered) symbol',
      'export default { [Symbol("scoped-mcp.module")]: 1, name: "plain", tools: {} };',
    ],
    ['no default export', 'export const module = 1;'],
    [
      'a branded object without tools',
      'export default { [Symbol.for("scoped-mcp.module")]: 1, name: "plain" };',
    ],
  ])('refuses %s as invalid', async (_label, source) => {
    await writePackage(manifestDir, { name: '@scoped-mcp/module-plain', files: { 'index.mjs': source } });
    const { failure } = await loadOne('plain');
    expect(failure?.kind).toBe('invalid');
    expect(failure?.message).toContain('does not default-export a module made with defineModule()');
  });

  it('refuses a module whose name does not match its package', async () => {
    await writePackage(manifestDir, {
      name: '@scoped-mcp/module-sqlite',
      files: { 'index.mjs': brandedModuleSource({ name: 'filesystem' }) },
    });
    const { failure } = await loadOne('sqlite');
    expect(failure?.kind).toBe('invalid');
    expect(failure?.message).toContain("declares module name 'filesystem', expected 'sqlite'");
  });

  it('accepts a module made by another copy of core (the brand is a registered symbol)', async () => {
    await linkCore(root);
    await writePackage(root, {
      name: '@scoped-mcp/module-real',
      files: { 'index.mjs': coreModuleSource({ name: 'real' }) },
    });
    const { loaded, failure } = await loadOne('real');
    expect(failure).toBeUndefined();
    expect(Object.keys(loaded?.module.tools ?? {})).toEqual(['ping']);
  });

  it('imports the exports-map "import" target, not the require one', async () => {
    await writePackage(manifestDir, {
      name: '@scoped-mcp/module-dual',
      packageJson: {
        exports: { '.': { require: './index.cjs', import: './esm/index.mjs' } },
        main: './index.cjs',
      },
      files: {
        'index.cjs': "throw new Error('the CommonJS entry must not be used');",
        'esm/index.mjs': brandedModuleSource({ name: 'dual' }),
      },
    });
    const { loaded, failure } = await loadOne('dual');
    expect(failure).toBeUndefined();
    expect(loaded?.module.name).toBe('dual');
  });

  it('refuses an exports target outside the package directory, without importing it', async () => {
    const marker = join(root, 'escaped-ran');
    await writeFile(
      join(manifestDir, 'node_modules-escape.mjs'),
      brandedModuleSource({ name: 'escape', marker }),
    );
    await writePackage(manifestDir, {
      name: '@scoped-mcp/module-escape',
      packageJson: { exports: { '.': { import: '../../../node_modules-escape.mjs' } } },
      files: {},
    });
    const { failure } = await loadOne('escape');
    expect(failure?.kind).toBe('invalid');
    expect(failure?.message).toBe("modules.mod: '@scoped-mcp/module-escape' has no loadable entry point");
    expect(await exists(marker)).toBe(false);
  });

  it('reports every failure of every module together and still loads the good ones', async () => {
    const marker = join(root, 'incompatible-ran');
    await writePackage(manifestDir, { name: '@scoped-mcp/module-good' });
    await writePackage(manifestDir, {
      name: '@scoped-mcp/module-old',
      peer: '^99.0.0',
      files: { 'index.mjs': brandedModuleSource({ name: 'old', marker }) },
    });
    await writePackage(manifestDir, {
      name: '@scoped-mcp/module-boom',
      files: { 'index.mjs': 'throw new Error("x")' },
    });
    await writePackage(manifestDir, {
      name: '@scoped-mcp/module-liar',
      files: { 'index.mjs': brandedModuleSource({ name: 'other' }) },
    });
    const { loaded, failures } = await loadModules(
      [
        { key: 'good', type: 'good' },
        { key: 'missing', type: 'nowhere_to_be_found' },
        { key: 'old', type: 'old' },
        { key: 'boom', type: 'boom' },
        { key: 'liar', type: 'liar' },
        { key: 'bad', type: 'Bad Name' },
      ],
      options(),
    );
    expect(loaded.map((l) => l.key)).toEqual(['good']);
    expect(failures.map((f) => [f.key, f.kind])).toEqual([
      ['missing', 'not_found'],
      ['old', 'incompatible'],
      ['boom', 'import_failed'],
      ['liar', 'invalid'],
      ['bad', 'invalid'],
    ]);
    expect(await exists(marker)).toBe(false);
  });

  it('loads two instances of one module under different keys', async () => {
    await writePackage(manifestDir, { name: '@scoped-mcp/module-alpha' });
    const { loaded } = await loadModules(
      [
        { key: 'one', type: 'alpha' },
        { key: 'two', type: 'alpha' },
      ],
      options(),
    );
    expect(loaded.map((l) => l.key)).toEqual(['one', 'two']);
    expect(loaded[0]?.module).toBe(loaded[1]?.module);
  });
});
