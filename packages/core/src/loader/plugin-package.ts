import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import satisfies from 'semver/functions/satisfies.js';

// A plugin package as the loader sees it before any of its code runs: where it is installed, what its
// package.json says, whether this core can run it, and which file is its ESM entry.

export const CORE_PACKAGE = '@scoped-mcp/core';

export interface PackageJson {
  readonly name?: string;
  readonly version?: string;
  readonly description?: string;
  readonly keywords?: readonly string[];
  readonly exports?: unknown;
  readonly main?: string;
  readonly module?: string;
  readonly peerDependencies?: Readonly<Record<string, string>>;
  readonly dependencies?: Readonly<Record<string, string>>;
}

export interface FoundPackage {
  readonly dir: string;
  readonly json: PackageJson;
}

/** What a plugin package's package.json must say. */
export interface PackageRequirements {
  /** The package name the convention expanded to. */
  readonly name: string;
  /** The keyword every package of this plugin kind carries (`scoped-mcp-module`, `scoped-mcp-state`). */
  readonly keyword: string;
  /** The plugin kind for people: `module`, `state backend`. */
  readonly noun: string;
}

/** `dir/node_modules/<name>` for `dir` and each of its parents, as Node's resolution walks. */
export function candidateDirs(base: string, packageName: string): string[] {
  const dirs: string[] = [];
  let dir = resolve(base);
  for (;;) {
    if (dir.endsWith('/node_modules')) dirs.push(join(dir, packageName));
    else dirs.push(join(dir, 'node_modules', packageName));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return dirs;
}

export async function findPackage(
  bases: readonly string[],
  packageName: string,
): Promise<FoundPackage | undefined> {
  for (const base of bases) {
    for (const dir of candidateDirs(base, packageName)) {
      const json = await readPackageJson(dir);
      if (json) return { dir, json };
    }
  }
  return undefined;
}

export async function readPackageJson(dir: string): Promise<PackageJson | undefined> {
  try {
    const text = await readFile(join(dir, 'package.json'), 'utf8');
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as PackageJson) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a package cannot be loaded as the plugin asked for, from its package.json alone: name, then keyword,
 * then the peer range on core. Undefined when it can.
 */
export function incompatibility(
  json: PackageJson,
  wanted: PackageRequirements,
  runningCore: string,
): string | undefined {
  if (json.name !== wanted.name)
    return `its package.json names '${json.name ?? '(none)'}', not '${wanted.name}'`;
  if (!json.keywords?.includes(wanted.keyword)) {
    return `it is not a scoped-mcp ${wanted.noun} (package.json keywords lack '${wanted.keyword}')`;
  }
  const range = json.peerDependencies?.[CORE_PACKAGE] ?? json.dependencies?.[CORE_PACKAGE];
  if (range === undefined) return `it does not declare ${CORE_PACKAGE} as a peer dependency`;
  if (!peerRangeAccepts(range, runningCore)) {
    return `it needs ${CORE_PACKAGE} ${range}, but this scoped-mcp runs core ${runningCore}`;
  }
  return undefined;
}

function peerRangeAccepts(range: string, version: string): boolean {
  if (range.startsWith('workspace:')) {
    // A workspace link always points at the workspace's own core; only an explicit range needs checking.
    const inner = range.slice('workspace:'.length);
    if (inner === '*' || inner === '^' || inner === '~') return true;
    return rangeAccepts(inner, version);
  }
  return rangeAccepts(range, version);
}

/** semver's verdict, prereleases included; an invalid range or version is no match (it never throws). */
function rangeAccepts(range: string, version: string): boolean {
  return satisfies(version, range, { includePrerelease: true });
}

/** The ESM entry of a package: `exports["."]` by the import/node/default conditions, else module/main. */
export async function packageEntry(found: FoundPackage): Promise<string | undefined> {
  const target = pickExport(found.json.exports);
  // As in Node: once a package has an exports map, nothing outside it is an entry point.
  if (found.json.exports !== undefined && target === undefined) return undefined;
  const relative = target ?? found.json.module ?? found.json.main ?? 'index.js';
  const path = resolve(found.dir, relative);
  if (!path.startsWith(`${found.dir}/`)) return undefined;
  try {
    return (await stat(path)).isFile() ? path : undefined;
  } catch {
    return undefined;
  }
}

function pickExport(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (typeof exports !== 'object' || exports === null || Array.isArray(exports)) return undefined;
  const record = exports as Record<string, unknown>;
  if ('.' in record) return pickConditions(record['.']);
  return Object.keys(record).some((k) => k.startsWith('.')) ? undefined : pickConditions(record);
}

function pickConditions(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  for (const condition of ['import', 'node', 'default']) {
    if (condition in record) {
      const picked = pickConditions(record[condition]);
      if (picked) return picked;
    }
  }
  return undefined;
}

let cachedCoreVersion: string | undefined;

/** The version of this copy of @scoped-mcp/core (read once, at startup): what peer ranges are checked against. */
export function coreVersion(): string {
  cachedCoreVersion ??= ownPackageJson().version;
  return cachedCoreVersion;
}

/**
 * The nearest package.json above this file that is core's own: the source tree and the bundled build
 * (entry files and chunks at different depths) both find it.
 */
function ownPackageJson(): { version: string } {
  let url = new URL('./', import.meta.url);
  for (let depth = 0; depth < 6; depth++) {
    url = new URL('../', url);
    let text: string;
    try {
      text = readFileSync(new URL('package.json', url), 'utf8');
    } catch {
      continue;
    }
    const json = JSON.parse(text) as { name?: string; version?: string };
    if (json.name === CORE_PACKAGE && typeof json.version === 'string') {
      return { version: json.version };
    }
  }
  throw new Error(`${CORE_PACKAGE}: its package.json was not found next to the code`);
}
