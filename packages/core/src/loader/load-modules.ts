import { pathToFileURL } from 'node:url';
import { isScopedMcpModule } from '../module/define.js';
import type { ScopedMcpModule } from '../module/types.js';
import { incompatibility } from './compatibility.js';
import { findPackage, packageEntry } from './package-lookup.js';
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

export type LoadFailureKind = 'not_found' | 'incompatible' | 'invalid' | 'import_failed';

export interface LoadFailure {
  readonly key: string;
  readonly type: string;
  readonly kind: LoadFailureKind;
  /** Multi-line text for people: what is wrong, where we looked, what to run. */
  readonly message: string;
}

export interface LoaderOptions {
  readonly manifestDir: string;
  /** Install location of the CLI (its package directory), searched after the manifest's directory. */
  readonly cliDir?: string;
  /** `--modules-from` / `SCOPED_MCP_MODULES_FROM` directories, searched last. */
  readonly modulesFrom?: readonly string[];
  readonly coreVersion: string;
}

/**
 * Loads the modules a manifest names, and only those. Never resolves from the working directory: it is the
 * agent's workspace, and an agent could plant code there. Every failure of every module is collected.
 */
export async function loadModules(
  requests: readonly ModuleRequest[],
  options: LoaderOptions,
): Promise<{ loaded: LoadedModule[]; failures: LoadFailure[] }> {
  const bases = [
    options.manifestDir,
    ...(options.cliDir ? [options.cliDir] : []),
    ...(options.modulesFrom ?? []),
  ];
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
  const fail = (kind: LoadFailureKind, message: string): LoadFailure => ({ key, type, kind, message });
  const spec = parseModuleSpecifier(type, options.manifestDir);
  if ('error' in spec) return fail('invalid', `modules.${key}.type: ${spec.error}`);

  if (spec.kind === 'file') {
    return importModule(pathToFileURL(spec.path).href, request, spec.path, undefined, fail);
  }
  const found = await findPackage(bases, spec.packageName);
  if (!found) {
    const where = bases.map((b) => `    ${b} (and its parent directories' node_modules)`).join('\n');
    return fail(
      'not_found',
      `modules.${key}: module package '${spec.packageName}' is not installed.\n  looked in:\n${where}\n` +
        `  fix: pnpm add ${spec.packageName}   (run it in the manifest's project, or next to the scoped-mcp CLI)`,
    );
  }
  const problem = incompatibility(found.json, spec.packageName, options.coreVersion);
  if (problem) {
    return fail(
      'incompatible',
      `modules.${key}: cannot load '${spec.packageName}' from ${found.dir}: ${problem}.\n` +
        `  fix: pnpm add ${spec.packageName}@latest @scoped-mcp/core@latest   (versions must match)`,
    );
  }
  const entry = await packageEntry(found);
  if (!entry) return fail('invalid', `modules.${key}: '${spec.packageName}' has no loadable entry point`);
  const source = `${spec.packageName}@${found.json.version ?? '?'}`;
  return importModule(pathToFileURL(entry).href, request, source, spec.moduleName, fail);
}

async function importModule(
  url: string,
  request: ModuleRequest,
  source: string,
  expectedName: string | undefined,
  fail: (kind: LoadFailureKind, message: string) => LoadFailure,
): Promise<LoadedModule | LoadFailure> {
  let namespace: { default?: unknown };
  try {
    namespace = (await import(url)) as { default?: unknown };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return fail('import_failed', `modules.${request.key}: importing ${source} failed: ${firstLine(reason)}`);
  }
  const module = namespace.default;
  if (!isScopedMcpModule(module)) {
    return fail(
      'invalid',
      `modules.${request.key}: ${source} does not default-export a module made with defineModule() from @scoped-mcp/core`,
    );
  }
  if (expectedName !== undefined && module.name !== expectedName) {
    return fail(
      'invalid',
      `modules.${request.key}: ${source} declares module name '${module.name}', expected '${expectedName}'`,
    );
  }
  return { key: request.key, type: request.type, module, source };
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
