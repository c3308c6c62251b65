import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/paths.js';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.js';

const run = promisify(execFile);

interface PackageJson {
  readonly name: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly repository?: { readonly type?: string; readonly url?: string; readonly directory?: string };
  readonly homepage?: string;
  readonly bugs?: { readonly url?: string };
  readonly bin?: Readonly<Record<string, string>>;
  readonly exports?: Readonly<Record<string, string | Readonly<Record<string, string>>>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

/** Every package the workspace publishes, whoever added it: each non-private package.json under packages/ and apps/. */
const published = ['packages', 'apps'].flatMap((group) =>
  readdirSync(join(repoRoot, group))
    .map((name) => `${group}/${name}`)
    .filter((dir) => existsSync(join(repoRoot, dir, 'package.json')))
    .filter(
      (dir) =>
        !(JSON.parse(readFileSync(join(repoRoot, dir, 'package.json'), 'utf8')) as PackageJson).private,
    ),
);

/** What `pnpm pack` puts in the tarball (workspace ranges replaced), unpacked. */
interface Packed {
  readonly root: string;
  readonly files: ReadonlySet<string>;
  readonly json: PackageJson;
}

let dir: string;
const packed = new Map<string, Packed>();

beforeAll(async () => {
  dir = await makeTempDir('pack');
  // One at a time: pnpm pack runs the package manager, and the machine is shared.
  for (const pkg of published) {
    const out = join(dir, pkg.replace('/', '-'));
    await mkdir(join(out, 'unpacked'), { recursive: true });
    const { stdout } = await run('pnpm', ['pack', '--pack-destination', out, '--json'], {
      cwd: join(repoRoot, pkg),
    });
    const { filename } = JSON.parse(stdout) as { filename: string };
    await run('tar', ['-xzf', filename, '-C', join(out, 'unpacked')]);
    const root = join(out, 'unpacked', 'package');
    const files = new Set(
      readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => posix.relative(root, join(entry.parentPath, entry.name))),
    );
    packed.set(pkg, { root, files, json: JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) });
  }
}, 180_000);

afterAll(async () => {
  await removeTempDir(dir);
});

/** Markdown link targets: `[text](target)`. */
function linkTargets(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

describe.each(published)('the published %s', (pkg) => {
  const get = () => packed.get(pkg)!;

  it('carries the license text and a README', async () => {
    const { files, root, json } = get();
    expect(json.license).toBe('MIT');
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    expect(await readFile(join(root, 'LICENSE'), 'utf8')).toBe(
      await readFile(join(repoRoot, 'LICENSE'), 'utf8'),
    );
  });

  it('names its repository, home page and issue tracker', () => {
    const { json } = get();
    expect(json.repository).toMatchObject({ type: 'git', directory: pkg });
    expect(json.repository?.url).toMatch(/^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/);
    expect(json.homepage).toMatch(/^https:\/\//);
    expect(json.bugs?.url).toMatch(/^https:\/\/.*\/issues$/);
  });

  it('links only to absolute URLs or to files it ships (the README is read on the registry)', async () => {
    const { files, root } = get();
    for (const target of linkTargets(await readFile(join(root, 'README.md'), 'utf8'))) {
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      expect(target, `README.md links '${target}'`).not.toMatch(/^\.\.\//);
      expect(files, `README.md links '${target}', which is not in the package`).toContain(
        posix.normalize(target.split('#')[0]!),
      );
    }
  });

  it('ships no source map pointing at a source it does not ship', async () => {
    const { files, root } = get();
    for (const file of [...files].filter((f) => f.endsWith('.map'))) {
      const { sources } = JSON.parse(await readFile(join(root, file), 'utf8')) as { sources: string[] };
      for (const source of sources) {
        expect(
          files,
          `${file} points at ${source} (a map left by an older build? rm -rf ${pkg}/dist && pnpm build)`,
        ).toContain(posix.join(posix.dirname(file), source));
      }
    }
  });

  it('exports entry points that exist, each with its types', () => {
    const { files, json } = get();
    expect(json.exports).toBeDefined();
    for (const [entry, target] of Object.entries(json.exports ?? {})) {
      if (entry === './package.json') continue;
      expect(typeof target, `exports['${entry}']`).toBe('object');
      const conditions = target as Readonly<Record<string, string>>;
      expect(conditions.types, `exports['${entry}'].types`).toMatch(/\.d\.ts$/);
      for (const path of Object.values(conditions)) {
        expect(files, `exports['${entry}'] → ${path}`).toContain(posix.normalize(path));
      }
    }
  });

  it('has its executables in the package (linked by installs before any build) and no workspace ranges', () => {
    const { files, json } = get();
    for (const [name, path] of Object.entries(json.bin ?? {})) {
      expect(files, `bin ${name}`).toContain(posix.normalize(path));
      // In the source tree, not dist/: pnpm install links bins before the workspace is built.
      expect(existsSync(join(repoRoot, pkg, path)), `${pkg}/${path} in the source tree`).toBe(true);
      expect(path).not.toMatch(/^(\.\/)?dist\//);
    }
    expect(JSON.stringify({ ...json.dependencies, ...json.peerDependencies })).not.toContain('workspace:');
  });
});

it('finds the packages it checks', () => {
  expect(published).toEqual(expect.arrayContaining(['packages/core', 'apps/cli']));
  expect(dirname(published[0]!)).toMatch(/^(packages|apps)$/);
});
