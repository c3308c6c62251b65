import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { AuditHead } from '../audit/audit-log.js';
import { createLoggers, fileErrorCode, type Loggers } from '../audit/loggers.js';
import { errorName } from '../errors/error-line.js';
import { StartupError } from '../errors/errors.js';
import { resolveIdentity } from '../identity/agent-identity.js';
import { coreVersion } from '../loader/plugin-package.js';
import { buildGuardrails } from '../middleware/guardrails.js';
import type { Middleware } from '../middleware/compose.js';
import type { CoreLimits } from '../module/types.js';
import { CallsInFlight } from '../server/calls-in-flight.js';
import { ClientBridge, createMcpServer, type Server } from '../server/mcp-server.js';
import { type RuntimeOptions, ScopedRuntime } from '../server/scoped-runtime.js';
import { type StatusReport, writeHealthFile } from '../server/status-report.js';
import { redactSecretsInValue } from '../redact/secrets.js';
import { agentState } from '../state/agent-state.js';
import type { Notifier } from '../module/notifier.js';
import { openNotifier } from './open-notifier.js';
import { openStateBackend } from './open-state-backend.js';
import type { StateBackend } from '../state/types.js';
import { assemble } from './assemble.js';

export interface ScopedServerOptions {
  readonly manifestPath: string;
  readonly auditLog?: string;
  readonly opsLog?: string;
  readonly cliDir?: string;
  readonly modulesFrom?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Reported to clients as serverInfo.version. */
  readonly version: string;
  /** Extra middleware from a program embedding core: runs inside HITL, outside the response filter. */
  readonly middleware?: readonly Middleware[];
}

/** A scoped-mcp server built from a manifest, not yet connected to any transport. */
export interface ScopedServer {
  /** The MCP SDK's server. */
  readonly server: Server;
  readonly runtime: ScopedRuntime;
  readonly loggers: Loggers;
  /** The limits it serves with (the manifest's `limits:`, defaults filled). */
  readonly limits: CoreLimits;
  /** Tool calls running and waiting now. */
  readonly calls: CallsInFlight;
  /**
   * Connects the server to the transport, then starts the modules (connecting first answers the client's
   * initialize at once, and lets a proxy module wait for the client's capabilities before it connects its
   * upstream; tools/list and tools/call wait for startup). Resolves once every module has started.
   * `transportName` is what the ops log's `server_ready` line names. The transport's `send` is wrapped
   * in place, so that a call's slot is freed when its answer has been sent (see `CallsInFlight`).
   */
  connect(transport: Transport, transportName?: string): Promise<StatusReport>;
  /**
   * Closes the connection (calls still running are aborted), tears the modules down in reverse start
   * order, bounded in time, and closes the state backend. Safe to call more than once.
   */
  close(): Promise<void>;
}

/** What `createScopedServer` builds a server from: module instances made ready by the caller, and loggers. */
export interface RuntimeServerOptions extends Omit<RuntimeOptions, 'session' | 'audit' | 'ops'> {
  readonly loggers: Loggers;
  /** Reported to clients as serverInfo.version. */
  readonly version: string;
  /** Runs once every module has started, before `server_ready` is logged. */
  readonly onReady?: (runtime: ScopedRuntime) => void;
  /** Runs after the modules were torn down (a state backend is closed here). */
  readonly onClose?: () => Promise<void>;
}

/**
 * The server over module instances already loaded, configured and given their credentials, without a
 * transport: what `openScopedServer` builds once it has read the manifest, and what a test or an embedder
 * builds from module objects it holds.
 */
export function createScopedServer(options: RuntimeServerOptions): ScopedServer {
  const { loggers, version, onReady, onClose, ...runtimeOptions } = options;
  const { ops } = loggers;
  const bridge = new ClientBridge();
  const runtime = new ScopedRuntime({ ...runtimeOptions, session: bridge, audit: loggers.audit, ops });
  const calls = new CallsInFlight({
    maxInFlight: runtime.limits.max_calls_in_flight,
    maxQueued: runtime.limits.max_queued_calls,
  });
  const server = createMcpServer(runtime, bridge, { name: 'scoped-mcp', version }, calls);
  let closing: Promise<void> | undefined;
  return {
    server,
    runtime,
    loggers,
    limits: runtime.limits,
    calls,
    async connect(transport, transportName = 'custom') {
      await server.connect(calls.watch(transport));
      const report = await runtime.start();
      onReady?.(runtime);
      ops.info(
        { transport: transportName, tools: runtime.toolNames().length, healthy: report.healthy },
        'server_ready',
      );
      return report;
    },
    close() {
      closing ??= (async () => {
        await server.close().catch(() => undefined);
        await runtime.stop();
        await onClose?.().catch(() => undefined);
      })();
      return closing;
    },
  };
}

/**
 * Startup order: identity → logs → manifest → modules → credentials → state → HITL notifier → guardrails →
 * runtime → server.
 */
export async function openScopedServer(options: ScopedServerOptions): Promise<ScopedServer> {
  const env = options.env ?? process.env;
  const agent = resolveIdentity(env);
  // The level comes from the environment given, like everything else a run reads from it.
  const loggers = createLoggers(
    { auditLog: options.auditLog, opsLog: options.opsLog, opsLevel: env.SCOPED_MCP_LOG_LEVEL ?? 'info' },
    agent,
  );
  const { ops, audit } = loggers;
  ops.info({ manifest: options.manifestPath, version: options.version, pid: process.pid }, 'startup');
  let assembly: Awaited<ReturnType<typeof assemble>>;
  try {
    assembly = await assemble({
      manifestPath: options.manifestPath,
      env,
      cliDir: options.cliDir,
      modulesFrom: options.modulesFrom,
    });
  } catch (error) {
    ops.error({ error_type: errorName(error) }, 'startup_failed');
    loggers.close?.();
    throw error;
  }
  const { manifest } = assembly.manifest;
  const healthFile = env.SCOPED_MCP_HEALTH_FILE;
  let lastReport: StatusReport | undefined;
  const writeHealth = (head?: AuditHead) => {
    if (healthFile && lastReport) void writeHealthFile(healthFile, lastReport, ops, head);
  };
  // The audit chain's segment starts now, keyed if the manifest says so: a log that cannot be written stops
  // the start (nothing is served unaudited).
  try {
    loggers.startAudit?.({
      ...(assembly.auditChainKey !== undefined ? { key: Buffer.from(assembly.auditChainKey, 'utf8') } : {}),
      headEveryLines: manifest.audit?.head_every_lines ?? 1000,
      onHead: writeHealth,
    });
  } catch (error) {
    ops.error({ error_type: errorName(error), error_code: fileErrorCode(error) }, 'startup_failed');
    loggers.close?.();
    throw new StartupError(
      [`cannot write the audit log (${fileErrorCode(error)}); nothing is served without it`],
      options.manifestPath,
    );
  }
  ops.info(
    { manifest_agent_type: manifest.agent_type, modules: Object.keys(manifest.modules) },
    'manifest_loaded',
  );
  if (manifest.agent_type !== agent.type) {
    ops.warn({ manifest_agent_type: manifest.agent_type }, 'agent_type_differs_from_manifest');
  }
  for (const warning of assembly.warnings) ops.warn({ detail: warning }, 'startup_warning');
  for (const instance of assembly.instances) {
    if (instance.failure)
      ops.error(
        { module: instance.key, status: instance.failure.status, error: instance.failure.error },
        'module_failed',
      );
  }

  const bases = [
    assembly.manifest.dir,
    ...(options.cliDir ? [options.cliDir] : []),
    ...(options.modulesFrom ?? []),
  ];
  // Shared state for rate limits and approvals; a Redis backend is a separate package, found like modules.
  let state: StateBackend;
  // The sender of approval notifications; a service's sender is its module package's, found the same way.
  let notifier: Notifier | undefined;
  try {
    state = await openStateBackend(manifest.state_backend, {
      bases,
      coreVersion: coreVersion(),
      log: ops,
    });
  } catch (error) {
    ops.error({ error_type: errorName(error) }, 'startup_failed');
    loggers.close?.();
    throw error;
  }
  const hitl = manifest.hitl;
  if (hitl !== undefined && hitl.approval_required.length > 0) {
    try {
      const setup = await openNotifier(hitl.notify, { bases, coreVersion: coreVersion(), audit, env });
      notifier = setup.notifier;
      for (const warning of setup.warnings) ops.warn({ detail: warning }, 'startup_warning');
    } catch (error) {
      await state.close().catch(() => undefined);
      ops.error({ error_type: errorName(error) }, 'startup_failed');
      loggers.close?.();
      throw error;
    }
  }
  const agentScopedState = agentState(state, agent.id);
  const guardrailOptions = {
    manifest,
    agent,
    audit,
    state: agentScopedState,
    sanitize: (value: unknown) => scoped.runtime.sanitizer.sanitize(value),
    redactCredentials: <T>(value: T): T => redactSecretsInValue(value, scoped.runtime.redactor),
    manifestPath: assembly.manifest.path,
    extra: options.middleware ?? [],
    ...(notifier ? { notifier } : {}),
  };
  // Tool names are only complete after startup (proxies discover theirs), so pattern warnings come later.
  const guardrails = buildGuardrails({ ...guardrailOptions, toolNames: assembly.toolNames });

  const scoped: ScopedServer = createScopedServer({
    loggers,
    version: options.version,
    agent,
    instances: assembly.instances,
    manifestDir: assembly.manifest.dir,
    manifestPath: assembly.manifest.path,
    secrets: assembly.secrets,
    responseFilters: manifest.response_filters ?? [],
    middleware: guardrails.middleware,
    admission: guardrails.admission,
    shadowed: guardrails.shadowed,
    limits: manifest.limits,
    logArgs: manifest.audit?.log_args ?? true,
    ...(manifest.audit ? { maxAuditArgsBytes: manifest.audit.max_args_bytes } : {}),
    onStarted: async (report) => {
      lastReport = report;
      writeHealth(loggers.auditHead?.());
    },
    onReady: (runtime) => {
      for (const warning of buildGuardrails({ ...guardrailOptions, toolNames: runtime.toolNames() })
        .warnings) {
        ops.warn({ detail: warning }, 'guardrail_warning');
      }
    },
    onClose: async () => {
      await notifier?.close?.().catch(() => undefined);
      await state.close().catch(() => undefined);
      // Last: the seal goes after every line a call or a teardown can still write.
      loggers.close?.();
    },
  });
  return scoped;
}
