import type { AuditLogger } from '../audit/loggers.js';
import { errorLine } from '../errors/error-line.js';
import { isScopedMcpError, StartupError } from '../errors/errors.js';
import { CORE_NOTIFIER_TYPES, createNotifier, logNotifier } from '../hitl/notify.js';
import { MODULE_PLUGIN } from '../loader/module-plugin.js';
import { loadPlugin } from '../loader/load-plugin.js';
import { parseModuleSpecifier } from '../loader/specifier.js';
import type { HitlNotifyConfig } from '../manifest/schema.js';
import type { NotifierSetup } from '../module/notifier.js';

/** One notification gives up after this long; the agent's refusal waits for it. */
const NOTIFY_TIMEOUT_MS = 10_000;

export interface OpenNotifierOptions {
  /** Where to look for the sender's module package, in order (as for modules; never the working directory). */
  readonly bases: readonly string[];
  readonly coreVersion: string;
  readonly audit: AuditLogger;
  /** Where the sender's credentials are read (NTFY_TOKEN, MATRIX_ACCESS_TOKEN, …), as the reference does. */
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/**
 * The manifest's `hitl.notify`, built once at startup. Core sends `log` and `webhook` itself; every other
 * type is the sender of the module package of that name (`ntfy` → @scoped-mcp/module-ntfy), loaded through
 * the plugin loader whether or not `modules:` uses the module. The manifest asked for that sender, so a
 * package that is missing, incompatible or has no sender stops startup (fail closed) with the loader's
 * message; the sender's own warnings (a token withheld, credentials missing) come back for the ops log.
 */
export async function openNotifier(
  config: HitlNotifyConfig,
  options: OpenNotifierOptions,
): Promise<NotifierSetup> {
  const timeoutMs = options.timeoutMs ?? NOTIFY_TIMEOUT_MS;
  if (CORE_NOTIFIER_TYPES.has(config.type))
    return createNotifier(config, { audit: options.audit, timeoutMs });
  const spec = parseModuleSpecifier(config.type, '/');
  if ('error' in spec || spec.kind !== 'package') {
    throw new StartupError([`hitl.notify.type: '${config.type}' is not a sender scoped-mcp knows`]);
  }
  const loaded = await loadPlugin({
    plugin: MODULE_PLUGIN,
    specifier: { kind: 'package', packageName: spec.packageName },
    label: 'hitl.notify',
    bases: options.bases,
    coreVersion: options.coreVersion,
  });
  if (!loaded.ok) throw new StartupError([loaded.failure.message]);
  const module = loaded.value;
  if (module.name !== spec.moduleName || module.notifier === undefined) {
    throw new StartupError([
      `hitl.notify: ${loaded.source} has no sender for type '${config.type}' (its module defines no notifier)`,
    ]);
  }
  const { env } = options;
  try {
    return await module.notifier({
      settings: config,
      credential: (name) => env[name] || undefined,
      timeoutMs,
      fallback: logNotifier(options.audit),
    });
  } catch (error) {
    // A sender's own error is written for the operator; anything else is quoted by type and first line.
    const reason = isScopedMcpError(error) ? (error.message.split('\n', 1)[0] ?? '') : errorLine(error);
    throw new StartupError([`hitl.notify: ${reason}`]);
  }
}
