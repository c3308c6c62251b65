import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../__fixtures__/module-packages.js';
import { MODULE_KEYWORD } from './module-plugin.js';
import {
  candidateDirs,
  type FoundPackage,
  findPackage,
  incompatibility,
  type PackageRequirements,
  packageEntry,
  readPackageJson,
} from './plugin-package.js';

let root: string;

beforeEach(async () => {
  root = await tempDir('lookup');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function pkg(json: Record<string, unknown>, files: string[] = []): Promise<FoundPackage> {
  const dir = join(root, 'node_modules', 'pkg');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'pkg', ...json }));
  for (const file of files) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), 'export default 1;');
  }
  return { dir, json: { name: 'pkg', ...json } };
}

describe('candidateDirs', () => {
  it('walks from the base up to the root, as Node does', () => {
    expect(candidateDirs('/a/b/c', '@x/y')).toEqual([
      '/a/b/c/node_modules/@x/y',
      '/a/b/node_modules/@x/y',
      '/a/node_modules/@x/y',
      '/node_modules/@x/y',
    ]);
  });

  it('does not nest node_modules inside node_modules', () => {
    const dirs = candidateDirs('/a/node_modules', 'p');
    expect(dirs[0]).toBe('/a/node_modules/p');
    expect(dirs.at(-1)).toBe('/node_modules/p');
    expect(dirs.some((d) => d.includes('node_modules/node_modules'))).toBe(false);
  });
});

describe('findPackage', () => {
  it('returns the first base that has the package', async () => {
    const first = join(root, 'first');
    const second = join(root, 'second');
    for (const [base, version] of [
      [first, '1.0.0'],
      [second, '2.0.0'],
    ] as const) {
      await mkdir(join(base, 'node_modules', 'p'), { recursive: true });
      await writeFile(
        join(base, 'node_modules', 'p', 'package.json'),
        JSON.stringify({ name: 'p', version }),
      );
    }
    expect((await findPackage([second, first], 'p'))?.json.version).toBe('2.0.0');
    expect((await findPackage([first, second], 'p'))?.dir).toBe(join(first, 'node_modules', 'p'));
  });

  it('returns undefined when no base has it', async () => {
    expect(await findPackage([root], 'surely-not-installed-anywhere-4c1e')).toBeUndefined();
  });
});

describe('readPackageJson', () => {
  it('tolerates a missing, malformed or non-object package.json', async () => {
    expect(await readPackageJson(join(root, 'none'))).toBeUndefined();
    await writeFile(join(root, 'package.json'), '{ not json');
    expect(await readPackageJson(root)).toBeUndefined();
    await writeFile(join(root, 'package.json'), '"a string"');
    expect(await readPackageJson(root)).toBeUndefined();
    await writeFile(join(root, 'package.json'), 'null');
    expect(await readPackageJson(root)).toBeUndefined();
  });
});

describe('packageEntry', () => {
  it('picks the import condition of exports["."]', async () => {
    const found = await pkg({ exports: { '.': { require: './c.cjs', import: './e.mjs' } }, main: './m.js' }, [
      'c.cjs',
      'e.mjs',
      'm.js',
    ]);
    expect(await packageEntry(found)).toBe(join(found.dir, 'e.mjs'));
  });

  it('skips the types condition and takes default', async () => {
    const found = await pkg({ exports: { '.': { types: './d.d.ts', default: './d.js' } } }, [
      'd.d.ts',
      'd.js',
    ]);
    expect(await packageEntry(found)).toBe(join(found.dir, 'd.js'));
  });

  it('follows nested conditions', async () => {
    const found = await pkg(
      { exports: { '.': { node: { import: { default: './n.mjs' } }, default: './x.js' } } },
      ['n.mjs', 'x.js'],
    );
    expect(await packageEntry(found)).toBe(join(found.dir, 'n.mjs'));
  });

  it('accepts a string exports and conditions at the top level (sugar for ".")', async () => {
    const asString = await pkg({ exports: './s.mjs' }, ['s.mjs']);
    expect(await packageEntry(asString)).toBe(join(asString.dir, 's.mjs'));
    const sugar = await pkg({ exports: { import: './t.mjs' } }, ['t.mjs']);
    expect(await packageEntry(sugar)).toBe(join(sugar.dir, 't.mjs'));
  });

  it('falls back to module, then main, then index.js', async () => {
    const withModule = await pkg({ module: './mod.mjs', main: './main.js' }, ['mod.mjs', 'main.js']);
    expect(await packageEntry(withModule)).toBe(join(withModule.dir, 'mod.mjs'));
    const withMain = await pkg({ main: 'lib/main.js' }, ['lib/main.js']);
    expect(await packageEntry(withMain)).toBe(join(withMain.dir, 'lib/main.js'));
    const bare = await pkg({}, ['index.js']);
    expect(await packageEntry(bare)).toBe(join(bare.dir, 'index.js'));
  });

  it('returns undefined when the entry file is missing or a directory', async () => {
    expect(await packageEntry(await pkg({ main: './gone.js' }))).toBeUndefined();
    const dirEntry = await pkg({ main: './lib' }, ['lib/index.js']);
    expect(await packageEntry(dirEntry)).toBeUndefined();
  });

  it.each([
    { exports: '../outside.mjs' },
    { exports: { '.': { import: '../../outside.mjs' } } },
    { exports: { '.': '/etc/passwd' } },
    { main: '../outside.mjs' },
    { module: './../outside.mjs' },
    { exports: { '.': './' } },
  ])('refuses an entry outside the package directory: %j', async (json) => {
    const found = await pkg(json);
    await writeFile(join(root, 'node_modules', 'outside.mjs'), 'export default 1;');
    await writeFile(join(root, 'outside.mjs'), 'export default 1;');
    expect(await packageEntry(found)).toBeUndefined();
  });

  it('refuses an entry in a sibling directory that shares the package name as a prefix', async () => {
    await mkdir(join(root, 'node_modules', 'pkg-evil'), { recursive: true });
    await writeFile(join(root, 'node_modules', 'pkg-evil', 'x.mjs'), 'export default 1;');
    const found = await pkg({ main: '../pkg-evil/x.mjs' });
    expect(await packageEntry(found)).toBeUndefined();
  });
});

const NAME = '@scoped-mcp/module-x';
const WANTED: PackageRequirements = { name: NAME, keyword: MODULE_KEYWORD, noun: 'module' };

function json(overrides: Record<string, unknown> = {}) {
  return {
    name: NAME,
    version: '1.0.0',
    keywords: ['mcp', MODULE_KEYWORD],
    peerDependencies: { '@scoped-mcp/core': '^0.1.0' },
    ...overrides,
  };
}

describe('incompatibility', () => {
  it('accepts a well-formed module package', () => {
    expect(incompatibility(json(), WANTED, '0.1.0')).toBeUndefined();
  });

  it('refuses a package whose name is not the expected one', () => {
    expect(incompatibility(json({ name: '@evil/module-x' }), WANTED, '0.1.0')).toBe(
      `its package.json names '@evil/module-x', not '${NAME}'`,
    );
    expect(incompatibility(json({ name: undefined }), WANTED, '0.1.0')).toContain("names '(none)'");
  });

  it('refuses a package without the keyword', () => {
    expect(incompatibility(json({ keywords: ['mcp'] }), WANTED, '0.1.0')).toContain(
      `lack '${MODULE_KEYWORD}'`,
    );
    expect(incompatibility(json({ keywords: undefined }), WANTED, '0.1.0')).toContain(MODULE_KEYWORD);
  });

  it('refuses a package that does not declare core', () => {
    expect(incompatibility(json({ peerDependencies: {} }), WANTED, '0.1.0')).toBe(
      'it does not declare @scoped-mcp/core as a peer dependency',
    );
  });

  it.each([
    ['^0.1.0', '0.1.0'],
    ['^0.1.0', '0.1.9'],
    ['>=0.1.0 <2', '1.4.2'],
    ['~1.2.0', '1.2.7'],
    ['*', '3.0.0'],
    ['workspace:^', '0.1.0'],
    ['workspace:*', '9.9.9'],
    ['workspace:~', '0.1.0'],
    ['workspace:^0.1.0', '0.1.3'],
    ['^1.0.0', '1.1.0-beta.1'],
  ])('accepts peer range %s on core %s', (range, core) => {
    expect(
      incompatibility(json({ peerDependencies: { '@scoped-mcp/core': range } }), WANTED, core),
    ).toBeUndefined();
  });

  it.each([
    ['^0.2.0', '0.1.0'],
    ['^0.1.0', '0.2.0'],
    ['^1.0.0', '2.0.0'],
    ['>=9', '0.1.0'],
    ['workspace:^1.0.0', '0.1.0'],
    ['latest', '0.1.0'],
    ['not a range', '0.1.0'],
  ])('refuses peer range %s on core %s, naming both', (range, core) => {
    const problem = incompatibility(json({ peerDependencies: { '@scoped-mcp/core': range } }), WANTED, core);
    expect(problem).toBe(`it needs @scoped-mcp/core ${range}, but this scoped-mcp runs core ${core}`);
  });

  it('checks the name before anything else', () => {
    const problem = incompatibility(
      json({ name: 'other', keywords: [], peerDependencies: {} }),
      WANTED,
      '0.1.0',
    );
    expect(problem).toContain("names 'other'");
  });
});
