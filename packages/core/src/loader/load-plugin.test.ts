import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { brandedModuleSource, exists, tempDir, writePackage } from '../__fixtures__/module-packages.js';
import { PluginLoadError } from '../errors/errors.js';
import { STATE_BACKEND_PLUGIN } from '../runtime/open-state-backend.js';
import { STATE_KEYWORD } from '../state/types.js';
import { MODULE_KEYWORD, MODULE_PLUGIN } from './module-plugin.js';
import { loadPlugin, type PluginKind, type PluginLoad, searchBases } from './load-plugin.js';
import { coreVersion } from './plugin-package.js';

// One loader for every plugin kind: the same search, the same package.json checks before any code runs,
// the same failure kinds and messages. Each case runs for a module and for a state backend.

function markerLine(marker: string | undefined): string {
  if (marker === undefined) return '';
  return `import { writeFileSync as __mark } from 'node:fs';\n__mark(${JSON.stringify(marker)}, 'imported');\n`;
}

interface KindCase {
  readonly kind: string;
  readonly plugin: PluginKind<unknown>;
  readonly keyword: string;
  readonly packageName: string;
  readonly label: string;
  readonly source: (marker?: string) => string;
  readonly unbranded: string;
  readonly expectedExport: string;
}

const CASES: KindCase[] = [
  {
    kind: 'module',
    plugin: MODULE_PLUGIN as PluginKind<unknown>,
    keyword: MODULE_KEYWORD,
    packageName: '@scoped-mcp/module-alpha',
    label: 'modules.alpha',
    source: (marker) => brandedModuleSource({ name: 'alpha', marker }),
    unbranded: 'export default { name: "alpha", tools: {} };',
    expectedExport: 'does not default-export a module made with defineModule() from @scoped-mcp/core',
  },
  {
    kind: 'state backend',
    plugin: STATE_BACKEND_PLUGIN as PluginKind<unknown>,
    keyword: STATE_KEYWORD,
    packageName: '@scoped-mcp/state-redis',
    label: 'state_backend',
    source: (marker) => `${markerLine(marker)}
export default {
  [Symbol.for('scoped-mcp.state-backend-factory')]: 1,
  type: 'redis',
  async create() { return { kind: 'fake', shared: true }; },
};
`,
    unbranded: 'export default { type: "redis", async create() { return {}; } };',
    expectedExport:
      'does not default-export a factory made with defineStateBackendFactory() from @scoped-mcp/core',
  },
];

let root: string;
let manifestDir: string;

beforeEach(async () => {
  root = await tempDir('plugin');
  manifestDir = join(root, 'project', 'manifests');
  await mkdir(manifestDir, { recursive: true });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.each(CASES)('loadPlugin: a $kind', (c) => {
  function install(base: string, overrides: Partial<Parameters<typeof writePackage>[1]> = {}) {
    return writePackage(base, {
      name: c.packageName,
      keywords: [c.keyword],
      files: { 'index.mjs': c.source() },
      ...overrides,
    });
  }

  function load(bases: readonly string[] = [manifestDir]): Promise<PluginLoad<unknown>> {
    return loadPlugin({
      plugin: c.plugin,
      specifier: { kind: 'package', packageName: c.packageName },
      label: c.label,
      bases,
      coreVersion: coreVersion(),
    });
  }

  async function failure(bases?: readonly string[]) {
    const result = await load(bases);
    if (result.ok) throw new Error(`${c.packageName} loaded`);
    return result.failure;
  }

  it('loads the branded default export and names its source', async () => {
    await install(manifestDir, { version: '2.3.4' });
    const result = await load();
    expect(result).toMatchObject({ ok: true, source: `${c.packageName}@2.3.4` });
    expect(c.plugin.isExport(result.ok && result.value)).toBe(true);
  });

  it('searches the bases in order, each with its parents', async () => {
    const cliDir = join(root, 'cli');
    const extra = join(root, 'extra');
    await install(cliDir, { version: '2.0.0' });
    await install(extra, { version: '3.0.0' });
    const bases = searchBases({ manifestDir, cliDir, modulesFrom: [extra] });
    expect(bases).toEqual([manifestDir, cliDir, extra]);
    expect(await load(bases)).toMatchObject({ ok: true, source: `${c.packageName}@2.0.0` });
    await install(root, { version: '4.0.0' });
    expect(await load(bases)).toMatchObject({ ok: true, source: `${c.packageName}@4.0.0` });
  });

  it('not_found: says where it looked and what to run', async () => {
    const extra = join(root, 'extra');
    const found = await failure([manifestDir, extra]);
    expect(found.kind).toBe('not_found');
    expect(found.message).toContain(`${c.label}: ${c.kind} package '${c.packageName}' is not installed.`);
    expect(found.message).toContain(`looked in: ${manifestDir}`);
    expect(found.message).toContain(`looked in: ${extra}`);
    expect(found.message).toContain(`fix: pnpm add ${c.packageName}`);
  });

  it('never looks in the working directory', async () => {
    const workspace = join(root, 'agent-workspace');
    const marker = join(root, 'planted-ran');
    await install(workspace, { files: { 'index.mjs': c.source(marker) } });
    const saved = process.cwd();
    process.chdir(workspace);
    try {
      const found = await failure();
      expect(found.kind).toBe('not_found');
      expect(found.message).not.toContain(workspace);
    } finally {
      process.chdir(saved);
    }
    expect(await exists(marker)).toBe(false);
  });

  it.each([
    ['a wrong package name', { packageJson: { name: 'evil-package' } }, "names 'evil-package', not"],
    ['a missing keyword', { keywords: ['mcp'] }, 'keywords lack'],
    ['a missing peer dependency', { peer: null }, 'does not declare @scoped-mcp/core as a peer dependency'],
    ['a peer range that excludes this core', { peer: '^99.0.0' }, 'needs @scoped-mcp/core ^99.0.0, but'],
  ] as const)('incompatible: refuses %s before any of its code runs', async (_label, overrides, expected) => {
    const marker = join(root, 'imported');
    const dir = await install(manifestDir, { files: { 'index.mjs': c.source(marker) }, ...overrides });
    const found = await failure();
    expect(found.kind).toBe('incompatible');
    expect(found.message).toContain(`${c.label}: cannot load '${c.packageName}' from ${dir}: `);
    expect(found.message).toContain(expected);
    expect(found.message).toContain(`fix: pnpm add ${c.packageName}@latest @scoped-mcp/core@latest`);
    expect(await exists(marker)).toBe(false);
  });

  it("incompatible: the keyword is this kind's own, not another kind's", async () => {
    const other = c.keyword === MODULE_KEYWORD ? STATE_KEYWORD : MODULE_KEYWORD;
    await install(manifestDir, { keywords: [other] });
    const found = await failure();
    expect(found.kind).toBe('incompatible');
    expect(found.message).toContain(
      `it is not a scoped-mcp ${c.kind} (package.json keywords lack '${c.keyword}')`,
    );
  });

  it('invalid: an entry point outside the package is never imported', async () => {
    const marker = join(root, 'escaped-ran');
    await writeFile(join(manifestDir, 'outside.mjs'), c.source(marker));
    await install(manifestDir, {
      packageJson: { exports: { '.': { import: '../../../outside.mjs' } } },
      files: {},
    });
    expect(await failure()).toEqual(
      new PluginLoadError('invalid', `${c.label}: '${c.packageName}' has no loadable entry point`),
    );
    expect(await exists(marker)).toBe(false);
  });

  it('invalid: a default export without the brand', async () => {
    await install(manifestDir, { files: { 'index.mjs': c.unbranded } });
    expect(await failure()).toEqual(
      new PluginLoadError('invalid', `${c.label}: ${c.packageName}@1.0.0 ${c.expectedExport}`),
    );
  });

  it('import_failed: the first line of what the import threw', async () => {
    await install(manifestDir, {
      files: { 'index.mjs': "throw new TypeError('broken build\\nsecond line');" },
    });
    expect(await failure()).toEqual(
      new PluginLoadError(
        'import_failed',
        `${c.label}: importing ${c.packageName}@1.0.0 failed: TypeError: broken build`,
      ),
    );
  });
});

describe('loadPlugin: a file', () => {
  it('imports a file without package.json checks and names it by its path', async () => {
    const path = join(manifestDir, 'local.mjs');
    await writeFile(path, brandedModuleSource({ name: 'local' }));
    const result = await loadPlugin({
      plugin: MODULE_PLUGIN,
      specifier: { kind: 'file', path },
      label: 'modules.local',
      bases: [],
      coreVersion: coreVersion(),
    });
    expect(result).toMatchObject({ ok: true, source: path, value: { name: 'local' } });
  });

  it('reports a missing file as import_failed', async () => {
    const result = await loadPlugin({
      plugin: MODULE_PLUGIN,
      specifier: { kind: 'file', path: join(manifestDir, 'gone.mjs') },
      label: 'modules.gone',
      bases: [],
      coreVersion: coreVersion(),
    });
    expect(result).toMatchObject({ ok: false, failure: { kind: 'import_failed' } });
  });
});
