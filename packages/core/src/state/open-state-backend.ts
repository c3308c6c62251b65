import { pathToFileURL } from 'node:url';
import { findPackage, packageEntry } from '../loader/package-lookup.js';
import type { StateBackendConfig } from '../manifest/schema.js';
import { StartupError } from '../runtime/startup-error.js';
import { inProcessState } from './in-process.js';
import { stateIncompatibility } from './state-compatibility.js';
import { isStateBackendFactory } from './state-factory.js';
import type { StateBackend, StateBackendFactory, StateBackendLog } from './types.js';

export const REDIS_STATE_PACKAGE = '@scoped-mcp/state-redis';

export interface OpenStateBackendOptions {
  /** Where to look for the backend package, in order (as for modules; never the working directory). */
  readonly bases: readonly string[];
  readonly coreVersion: string;
  /** Ops logger for connection events. */
  readonly log?: StateBackendLog;
}

/**
 * The manifest's `state_backend`: in_process is built in; redis loads @scoped-mcp/state-redis, so an
 * agent that does not use Redis never loads ioredis. Problems throw a StartupError that says how to fix
 * them; the URL is never quoted (it may hold a password).
 */
export async function openStateBackend(
  config: StateBackendConfig,
  options: OpenStateBackendOptions,
): Promise<StateBackend> {
  if (config.type === 'in_process') return inProcessState();
  const factory = await loadFactory(REDIS_STATE_PACKAGE, options);
  if (factory.type !== config.type) {
    throw new StartupError([
      `state_backend: ${REDIS_STATE_PACKAGE} serves type '${factory.type}', not '${config.type}'`,
    ]);
  }
  try {
    return await factory.create(
      { url: config.url, ...(config.key_prefix ? { key_prefix: config.key_prefix } : {}) },
      { coreVersion: options.coreVersion, ...(options.log ? { log: options.log } : {}) },
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartupError([`state_backend: ${firstLine(reason)}`]);
  }
}

async function loadFactory(
  packageName: string,
  options: OpenStateBackendOptions,
): Promise<StateBackendFactory> {
  const found = await findPackage(options.bases, packageName);
  if (!found) {
    const where = options.bases.map((b) => `  looked in: ${b} (and its parent directories' node_modules)`);
    throw new StartupError([
      [`state_backend.type 'redis' needs the ${packageName} package: pnpm add ${packageName}`, ...where].join(
        '\n',
      ),
    ]);
  }
  const problem = stateIncompatibility(found.json, packageName, options.coreVersion);
  if (problem) {
    throw new StartupError([
      `state_backend: cannot load '${packageName}' from ${found.dir}: ${problem}.\n` +
        `fix: pnpm add ${packageName}@latest @scoped-mcp/core@latest   (versions must match)`,
    ]);
  }
  const entry = await packageEntry(found);
  if (!entry) throw new StartupError([`state_backend: '${packageName}' has no loadable entry point`]);
  let namespace: { default?: unknown };
  try {
    namespace = (await import(pathToFileURL(entry).href)) as { default?: unknown };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new StartupError([`state_backend: importing ${packageName} failed: ${firstLine(reason)}`]);
  }
  if (!isStateBackendFactory(namespace.default)) {
    throw new StartupError([
      `state_backend: ${packageName} does not default-export a factory made with defineStateBackendFactory() from @scoped-mcp/core`,
    ]);
  }
  return namespace.default;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
