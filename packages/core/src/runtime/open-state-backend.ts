import { errorLine } from '../errors/error-line.js';
import { isScopedMcpError, StartupError } from '../errors/errors.js';
import { loadPlugin, type PluginKind } from '../loader/load-plugin.js';
import type { StateBackendConfig } from '../manifest/schema.js';
import { inProcessState } from '../state/in-process.js';
import {
  isStateBackendFactory,
  STATE_KEYWORD,
  type StateBackend,
  type StateBackendFactory,
  type StateBackendLog,
} from '../state/types.js';

export const REDIS_STATE_PACKAGE = '@scoped-mcp/state-redis';

/** State backend packages as the plugin loader finds them. */
export const STATE_BACKEND_PLUGIN: PluginKind<StateBackendFactory> = {
  keyword: STATE_KEYWORD,
  noun: 'state backend',
  expectedExport: 'a factory made with defineStateBackendFactory() from @scoped-mcp/core',
  isExport: isStateBackendFactory,
};

export interface OpenStateBackendOptions {
  /** Where to look for the backend package, in order (as for modules; never the working directory). */
  readonly bases: readonly string[];
  readonly coreVersion: string;
  /** Ops logger for connection events. */
  readonly log?: StateBackendLog;
}

/**
 * The manifest's `state_backend`: in_process is built in; redis loads @scoped-mcp/state-redis through the
 * plugin loader, so an agent that does not use Redis never loads ioredis. Problems throw a StartupError
 * that says how to fix them; the URL is never quoted (it may hold a password).
 */
export async function openStateBackend(
  config: StateBackendConfig,
  options: OpenStateBackendOptions,
): Promise<StateBackend> {
  if (config.type === 'in_process') return inProcessState();
  const loaded = await loadPlugin({
    plugin: STATE_BACKEND_PLUGIN,
    specifier: { kind: 'package', packageName: REDIS_STATE_PACKAGE },
    label: 'state_backend',
    bases: options.bases,
    coreVersion: options.coreVersion,
  });
  if (!loaded.ok) throw new StartupError([loaded.failure.message]);
  const factory = loaded.value;
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
    // A backend's own error is written for the operator; anything else is quoted by type and first line.
    const reason = isScopedMcpError(error) ? (error.message.split('\n', 1)[0] ?? '') : errorLine(error);
    throw new StartupError([`state_backend: ${reason}`]);
  }
}
