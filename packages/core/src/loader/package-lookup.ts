import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

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
