import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { MODULE_KEYWORD, MODULE_PLUGIN } from './module-plugin.js';
import { incompatibility, readPackageJson } from './plugin-package.js';

export interface InstalledModule {
  readonly packageName: string;
  readonly version: string;
  readonly description: string;
  readonly dir: string;
  /** Why it would not load with this core, if it would not. */
  readonly problem?: string;
}

/** Lists module packages visible from `bases` by reading package.json files only — no module code runs. */
export async function listInstalledModules(
  bases: readonly string[],
  runningCore: string,
): Promise<InstalledModule[]> {
  const seen = new Map<string, InstalledModule>();
  for (const base of bases) {
    for (const nodeModules of nodeModulesDirs(base)) {
      for (const dir of await moduleDirs(nodeModules)) {
        const json = await readPackageJson(dir);
        if (!json?.name || seen.has(json.name) || !json.keywords?.includes(MODULE_KEYWORD)) continue;
        const problem = dir.endsWith(`/${json.name}`)
          ? incompatibility(
              json,
              { name: json.name, keyword: MODULE_KEYWORD, noun: MODULE_PLUGIN.noun },
              runningCore,
            )
          : `it is installed as '${installedName(dir)}' but its package.json names '${json.name}'`;
        seen.set(json.name, {
          packageName: json.name,
          version: json.version ?? '?',
          description: json.description ?? '',
          dir,
          ...(problem ? { problem } : {}),
        });
      }
    }
  }
  return [...seen.values()].sort((a, b) => a.packageName.localeCompare(b.packageName));
}

function nodeModulesDirs(base: string): string[] {
  const dirs: string[] = [];
  let dir = resolve(base);
  for (;;) {
    dirs.push(dir.endsWith('/node_modules') ? dir : join(dir, 'node_modules'));
    const parent = dirname(dir);
    if (parent === dir) return dirs;
    dir = parent;
  }
}

async function moduleDirs(nodeModules: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await names(nodeModules)) {
    if (entry.startsWith('scoped-mcp-module-')) found.push(join(nodeModules, entry));
    if (entry.startsWith('@')) {
      for (const inner of await names(join(nodeModules, entry))) {
        const isFirstParty = entry === '@scoped-mcp' && inner.startsWith('module-');
        if (isFirstParty || inner.startsWith('scoped-mcp-module-'))
          found.push(join(nodeModules, entry, inner));
      }
    }
  }
  return found;
}

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

function installedName(dir: string): string {
  const parts = dir.split('/');
  const last = parts.at(-1) ?? '';
  const parent = parts.at(-2) ?? '';
  return parent.startsWith('@') ? `${parent}/${last}` : last;
}
