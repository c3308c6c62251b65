import { pathToFileURL } from 'node:url';
import { errorLine } from '../errors/error-line.js';
import { type LoadFailureKind, PluginLoadError } from '../errors/errors.js';
import {
  CORE_PACKAGE,
  type FoundPackage,
  findPackage,
  incompatibility,
  packageEntry,
} from './plugin-package.js';
import { installCommand } from './install-command.js';

/** One kind of package found by naming convention: modules, state backends, and whatever comes next. */
export interface PluginKind<T> {
  /** The package.json keyword every package of this kind carries. */
  readonly keyword: string;
  /** The kind for people: `module`, `state backend`. */
  readonly noun: string;
  /** What the default export must be, for people: `a module made with defineModule() from @scoped-mcp/core`. */
  readonly expectedExport: string;
  /** The brand check on the default export (a `Symbol.for` brand, so another copy of core passes too). */
  readonly isExport: (value: unknown) => value is T;
}

/** A package name already expanded by convention, or a file (an absolute path) — files skip package.json. */
export type PluginSpecifier =
  | { readonly kind: 'package'; readonly packageName: string }
  | { readonly kind: 'file'; readonly path: string };

export interface PluginRequest<T> {
  readonly plugin: PluginKind<T>;
  readonly specifier: PluginSpecifier;
  /** Where the manifest asks for it, starting every message: `modules.sqlite`, `state_backend`. */
  readonly label: string;
  /** Searched in order, each with its parents' node_modules (see `searchBases`). */
  readonly bases: readonly string[];
  readonly coreVersion: string;
  /** The CLI's package directory: how it was installed decides the install command a fix names. */
  readonly cliDir?: string;
}

export type { LoadFailureKind };

/** Why a plugin did not load: its `kind`, its code, and a `message` for people (what, where we looked, what to run). */
export type PluginFailure = PluginLoadError;

export type PluginLoad<T> =
  | {
      readonly ok: true;
      readonly value: T;
      /** `name@version` of the package, or the file path. */
      readonly source: string;
    }
  | { readonly ok: false; readonly failure: PluginFailure };

export interface SearchOptions {
  readonly manifestDir: string;
  /** Install location of the CLI (its package directory), searched after the manifest's directory. */
  readonly cliDir?: string;
  /** `--modules-from` / `SCOPED_MCP_MODULES_FROM` directories, searched last. */
  readonly modulesFrom?: readonly string[];
}

/**
 * Where plugin packages are looked for: the manifest's directory, the CLI's, then `--modules-from`. Never
 * the working directory: it is the agent's workspace, and an agent could plant code there.
 */
export function searchBases(options: SearchOptions): string[] {
  return [options.manifestDir, ...(options.cliDir ? [options.cliDir] : []), ...(options.modulesFrom ?? [])];
}

/**
 * Loads one plugin package: finds it, checks its package.json (name, keyword, peer range on core) before
 * any of its code runs, imports its ESM entry and checks the brand of its default export. Never throws:
 * every failure comes back with its kind and a message that says where it looked and what to run.
 */
export async function loadPlugin<T>(request: PluginRequest<T>): Promise<PluginLoad<T>> {
  const { specifier } = request;
  if (specifier.kind === 'file') {
    return importPlugin(request, pathToFileURL(specifier.path).href, specifier.path);
  }
  const located = await locatePlugin(request, specifier.packageName);
  if (!located.ok) return located;
  const { found } = located;
  const name = specifier.packageName;
  const entry = await packageEntry(found);
  if (!entry) {
    return {
      ok: false,
      failure: new PluginLoadError('invalid', `${request.label}: '${name}' has no loadable entry point`),
    };
  }
  return importPlugin(request, pathToFileURL(entry).href, `${name}@${found.json.version ?? '?'}`);
}

/**
 * The first half of `loadPlugin`, which runs none of the package's code: finds the package and checks its
 * package.json (name, keyword, peer range on core). `scoped-mcp validate` stops here for plugins a server
 * would load only when it starts (the state backend).
 */
export async function locatePlugin<T>(
  request: Omit<PluginRequest<T>, 'specifier'>,
  name: string,
): Promise<
  | { readonly ok: true; readonly found: FoundPackage }
  | { readonly ok: false; readonly failure: PluginFailure }
> {
  const { label, plugin } = request;
  const fail = (kind: LoadFailureKind, message: string) => ({
    ok: false as const,
    failure: new PluginLoadError(kind, message),
  });
  const found = await findPackage(request.bases, name);
  if (!found) {
    const where = request.bases.map(
      (base) => `\n  looked in: ${base} (and its parent directories' node_modules)`,
    );
    return fail(
      'not_found',
      `${label}: ${plugin.noun} package '${name}' is not installed.${where.join('')}\n` +
        `  fix: ${installCommand([name], request.cliDir)}`,
    );
  }
  const problem = incompatibility(
    found.json,
    { name, keyword: plugin.keyword, noun: plugin.noun },
    request.coreVersion,
  );
  if (problem) {
    return fail(
      'incompatible',
      `${label}: cannot load '${name}' from ${found.dir}: ${problem}.\n` +
        `  fix: ${installCommand([`${name}@latest`, `${CORE_PACKAGE}@latest`], request.cliDir)} (versions must match)`,
    );
  }
  return { ok: true, found };
}

async function importPlugin<T>(
  request: PluginRequest<T>,
  url: string,
  source: string,
): Promise<PluginLoad<T>> {
  const { label, plugin } = request;
  let namespace: { default?: unknown };
  try {
    namespace = (await import(url)) as { default?: unknown };
  } catch (error) {
    return {
      ok: false,
      failure: new PluginLoadError(
        'import_failed',
        `${label}: importing ${source} failed: ${errorLine(error, 300)}`,
      ),
    };
  }
  const value = namespace.default;
  if (!plugin.isExport(value)) {
    return {
      ok: false,
      failure: new PluginLoadError(
        'invalid',
        `${label}: ${source} does not default-export ${plugin.expectedExport}`,
      ),
    };
  }
  return { ok: true, value, source };
}
