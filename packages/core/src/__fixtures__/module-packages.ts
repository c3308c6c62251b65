// Builds module packages inside temp dirs at test time, so no node_modules folder is committed.
import { mkdir, mkdtemp, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODULE_KEYWORD } from '../loader/module-plugin.js';
import { coreVersion } from '../loader/plugin-package.js';

/** packages/core — what `@scoped-mcp/core` resolves to from a fixture, via a symlink. */
export const CORE_PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

export async function tempDir(prefix: string): Promise<string> {
  return realpath(await mkdtemp(join(tmpdir(), `smcp-${prefix}-`)));
}

export interface FixturePackage {
  readonly name: string;
  readonly version?: string;
  /** Default: `[MODULE_KEYWORD]`. */
  readonly keywords?: readonly string[];
  /** Peer range on @scoped-mcp/core; `null` leaves it out. Default `^<running core>`. */
  readonly peer?: string | null;
  /** Merged over the generated package.json (e.g. `exports`, `main`). */
  readonly packageJson?: Readonly<Record<string, unknown>>;
  /** Files relative to the package dir; default `{ 'index.mjs': brandedModuleSource(...) }`. */
  readonly files?: Readonly<Record<string, string>>;
}

/** Writes `<root>/node_modules/<name>/…` and returns the package directory. */
export async function writePackage(root: string, pkg: FixturePackage): Promise<string> {
  const dir = join(root, 'node_modules', pkg.name);
  await mkdir(dir, { recursive: true });
  const peer = pkg.peer === undefined ? `^${coreVersion()}` : pkg.peer;
  const json = {
    name: pkg.name,
    version: pkg.version ?? '1.0.0',
    type: 'module',
    keywords: pkg.keywords ?? [MODULE_KEYWORD],
    ...(peer === null ? {} : { peerDependencies: { '@scoped-mcp/core': peer } }),
    main: 'index.mjs',
    ...pkg.packageJson,
  };
  await writeFile(join(dir, 'package.json'), JSON.stringify(json, null, 2));
  const files = pkg.files ?? { 'index.mjs': brandedModuleSource({ name: moduleNameOf(pkg.name) }) };
  for (const [relative, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, relative)), { recursive: true });
    await writeFile(join(dir, relative), text);
  }
  return dir;
}

/** `@scoped-mcp/module-mcp-proxy` → `mcp_proxy`, `@acme/scoped-mcp-module-redis` → `redis`. */
export function moduleNameOf(packageName: string): string {
  const last = packageName.split('/').at(-1) ?? packageName;
  return last
    .replace(/^scoped-mcp-module-/, '')
    .replace(/^module-/, '')
    .replaceAll('-', '_');
}

export interface SourceOptions {
  readonly name: string;
  /** A file the module writes when it is imported (proves whether its code ran). */
  readonly marker?: string;
  /** Extra statements at the top level of the module. */
  readonly prelude?: string;
}

/**
 * A module that brands itself by hand instead of importing core: the brand is a `Symbol.for` key, so this is
 * what any copy of core produces, and it needs no resolvable `@scoped-mcp/core`.
 */
export function brandedModuleSource(options: SourceOptions): string {
  return `${markerLine(options.marker)}${options.prelude ?? ''}
export default {
  [Symbol.for('scoped-mcp.module')]: 1,
  name: ${JSON.stringify(options.name)},
  description: 'fixture',
  config: { safeParse: (value) => ({ success: true, data: value }) },
  tools: {},
};
`;
}

/** A module built with the real `defineModule` of `@scoped-mcp/core` (needs `linkCore(root)`). */
export function coreModuleSource(options: SourceOptions & { readonly body?: string }): string {
  return `import { defineModule, defineTool, z, ToolFailure } from '@scoped-mcp/core';
${markerLine(options.marker)}${options.prelude ?? ''}
export default defineModule(${
    options.body ??
    `{
  name: ${JSON.stringify(options.name)},
  description: 'fixture',
  config: z.strictObject({}),
  tools: {
    ping: defineTool({ mode: 'read', description: 'ping', input: z.strictObject({}), handler: () => 'pong' }),
  },
}`
  });
`;
}

/** `<root>/node_modules/@scoped-mcp/core` → this package, as an installed module would see core. */
export async function linkCore(root: string): Promise<void> {
  await mkdir(join(root, 'node_modules', '@scoped-mcp'), { recursive: true });
  await symlink(CORE_PACKAGE_DIR, join(root, 'node_modules', '@scoped-mcp', 'core'), 'dir');
}

export async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch {
    return false;
  }
}

function markerLine(marker: string | undefined): string {
  if (marker === undefined) return '';
  return `import { writeFileSync as __mark } from 'node:fs';\n__mark(${JSON.stringify(marker)}, 'imported');\n`;
}
