import type { ScopedMcpModule } from '../module/types.js';
import { type LoadFailureKind, loadPlugin, type SearchOptions, searchBases } from './load-plugin.js';
import { didYouMean } from '../shared/did-you-mean.js';
import { installCommand } from './install-command.js';
import { listInstalledModules } from './list-installed.js';
import { FIRST_PARTY_MODULES, MODULE_PLUGIN } from './module-plugin.js';
import { parseModuleSpecifier } from './specifier.js';

export interface ModuleRequest {
  /** Manifest key. */
  readonly key: string;
  /** Manifest `type:` (default: the key). */
  readonly type: string;
}

export interface LoadedModule {
  readonly key: string;
  readonly type: string;
  readonly module: ScopedMcpModule;
  /** Package name and version, or the file path for `./x.mjs` modules. */
  readonly source: string;
}

export interface LoadFailure {
  readonly key: string;
  readonly type: string;
  readonly kind: LoadFailureKind;
  /** Multi-line text for people: what is wrong, where we looked, what to run. */
  readonly message: string;
}

export interface LoaderOptions extends SearchOptions {
  readonly coreVersion: string;
}

/**
 * Loads the modules a manifest names, and only those, through the plugin loader. Every failure of every
 * module is collected.
 */
export async function loadModules(
  requests: readonly ModuleRequest[],
  options: LoaderOptions,
): Promise<{ loaded: LoadedModule[]; failures: LoadFailure[] }> {
  const bases = searchBases(options);
  const results = await Promise.all(requests.map((request) => loadOne(request, bases, options)));
  const loaded: LoadedModule[] = [];
  const failures: LoadFailure[] = [];
  for (const result of results) {
    if ('module' in result) loaded.push(result);
    else failures.push(result);
  }
  return { loaded, failures };
}

async function loadOne(
  request: ModuleRequest,
  bases: readonly string[],
  options: LoaderOptions,
): Promise<LoadedModule | LoadFailure> {
  const { key, type } = request;
  const spec = parseModuleSpecifier(type, options.manifestDir);
  if ('error' in spec) return { key, type, kind: 'invalid', message: `modules.${key}.type: ${spec.error}` };
  const loaded = await loadPlugin({
    plugin: MODULE_PLUGIN,
    specifier: spec,
    label: `modules.${key}`,
    bases,
    coreVersion: options.coreVersion,
    cliDir: options.cliDir,
  });
  if (!loaded.ok) {
    const { kind, message } = loaded.failure;
    if (kind !== 'not_found' || spec.kind !== 'package') return { key, type, kind, message };
    return { key, type, kind, message: await withBetterFix(message, key, type, bases, options) };
  }
  const module = loaded.value;
  // A package's module must carry the name its package promises; a file may call itself anything.
  if (spec.kind === 'package' && module.name !== spec.moduleName) {
    return {
      key,
      type,
      kind: 'invalid',
      message: `modules.${key}: ${loaded.source} declares module name '${module.name}', expected '${spec.moduleName}'`,
    };
  }
  return { key, type, module, source: loaded.source };
}

/**
 * A module that is not installed is often a misspelt one (`filesytem:`): the fix is then the right name,
 * among the modules installed where a server looks and the first-party ones, not an install of a package
 * that does not exist. Found only after the failure, so a start that loads pays nothing.
 */
async function withBetterFix(
  message: string,
  key: string,
  type: string,
  bases: readonly string[],
  options: LoaderOptions,
): Promise<string> {
  const installed = await listInstalledModules(bases, options.coreVersion);
  const installedByType = new Map(installed.map((m) => [typeOf(m.packageName), m]));
  const known = new Set([...installedByType.keys(), ...FIRST_PARTY_MODULES]);
  known.delete(type); // a first-party module that is simply not installed: the install is the fix
  const suggestion = didYouMean(type, known);
  // A bare name (`filesytem`) is always first-party by convention.
  const bare = /^[a-z][a-z0-9_-]*$/.test(type) && !type.startsWith('scoped-mcp-module-');
  const where = key === type ? `the key '${key}'` : `type: ${type}`;
  let fix: string | undefined;
  if (suggestion) {
    const found = installedByType.get(suggestion);
    fix = found
      ? `did you mean '${suggestion}'? (${found.packageName}@${found.version} is installed)\n  fix: write '${suggestion}' for ${where}`
      : `did you mean '${suggestion}'?\n  fix: write '${suggestion}' for ${where}, and install it: ${installCommand([packageOfModule(suggestion)], options.cliDir)}`;
  } else if (bare && !FIRST_PARTY_MODULES.includes(type)) {
    fix =
      `'${type}' is not a first-party module (those are: ${FIRST_PARTY_MODULES.join(', ')}).\n` +
      `  fix: name a third-party module by its package (type: "@acme/${type}" loads @acme/scoped-mcp-module-${type.replaceAll('_', '-')}), ` +
      'or a file of your own (type: ./my-module.mjs); scoped-mcp modules lists what is installed';
  }
  return fix ? message.replace(/\n {2}fix: .*$/s, `\n  ${fix}`) : message;
}

/** How a manifest names a package: `@scoped-mcp/module-mcp-proxy` → `mcp_proxy`, `@acme/scoped-mcp-module-redis` → `@acme/redis`. */
function typeOf(packageName: string): string {
  if (packageName.startsWith('@scoped-mcp/module-')) {
    return packageName.slice('@scoped-mcp/module-'.length).replaceAll('-', '_');
  }
  return packageName.replace(/^(@[^/]+\/)scoped-mcp-module-/, '$1');
}

function packageOfModule(name: string): string {
  return `@scoped-mcp/module-${name.replaceAll('_', '-')}`;
}
