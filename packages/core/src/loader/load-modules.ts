import { isScopedMcpModule } from '../module/define.js';
import type { ScopedMcpModule } from '../module/types.js';
import {
  type LoadFailureKind,
  loadPlugin,
  type PluginKind,
  type SearchOptions,
  searchBases,
} from './load-plugin.js';
import { parseModuleSpecifier } from './specifier.js';

export const MODULE_KEYWORD = 'scoped-mcp-module';

/** Module packages as the plugin loader finds them. */
export const MODULE_PLUGIN: PluginKind<ScopedMcpModule> = {
  keyword: MODULE_KEYWORD,
  noun: 'module',
  expectedExport: 'a module made with defineModule() from @scoped-mcp/core',
  isExport: isScopedMcpModule,
};

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
  });
  if (!loaded.ok) return { key, type, kind: loaded.failure.kind, message: loaded.failure.message };
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
