import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { AuditLogger } from '../audit/loggers.js';
import { z } from 'zod';
import { createSanitizer, type Sanitizer } from '../redact/sanitize.js';
import { createSecretRedactor, type SecretRedactor } from '../redact/secrets.js';
import { type ScopedMcpError, StartupError, ToolNotFoundError } from '../errors/errors.js';
import type { AgentIdentity } from '../identity/agent-identity.js';
import type { Middleware } from '../middleware/compose.js';
import { DEFAULT_LIMITS, type ResponseFilterRule } from '../manifest/schema.js';
import type { SessionChannel } from '../module/client-channel.js';
import type { CoreLimits } from '../module/types.js';
import { defineTool } from '../module/define.js';
import { declaredSecrets, type InstanceSpec, ModuleInstance } from './module-instance.js';
import { createOutboundPolicy, type ListedTools, type OutboundPolicy } from './outbound-policy.js';
import { type StatusReport, statusReport, statusReportSchema } from './status-report.js';
import { errorResult } from './tool-result.js';
import { collisionMessage, type ToolNameCollision, ToolTable } from './tool-table.js';
import { type CallEnvironment, type PipelineDeps, type PreparedTool, prepareTool } from './tool-pipeline.js';
import { callChannel, detachedSession } from '../module/client-channel.js';

export const STATUS_TOOL = 'scoped_mcp_status';

export interface RuntimeOptions {
  readonly agent: AgentIdentity;
  readonly instances: readonly InstanceSpec[];
  readonly manifestDir: string;
  /** The manifest file; default `<manifestDir>/manifest.yml`. */
  readonly manifestPath?: string;
  readonly audit: AuditLogger;
  readonly ops: Logger;
  /** Values never to reach the agent or a log, besides those the modules declare (`secrets`). */
  readonly secrets?: readonly string[];
  /**
   * The manifest's response_filters, for the channels besides tool results (tool definitions,
   * notifications, server→client requests); results pass the response filter middleware.
   */
  readonly responseFilters?: readonly ResponseFilterRule[];
  /** The agent's client; a detached one (no client) when absent. */
  readonly session?: SessionChannel;
  readonly middleware?: readonly Middleware[];
  readonly logArgs?: boolean;
  /** `audit.max_args_bytes`: the most of a call's arguments one audit line records. */
  readonly maxAuditArgsBytes?: number;
  /** Tools the HITL shadow list answers without running them (see `PipelineDeps.shadowed`). */
  readonly shadowed?: (tool: string) => boolean;
  /** The manifest's `limits:` (modules see them as `ctx.limits`); default `DEFAULT_LIMITS`. */
  readonly limits?: CoreLimits;
  /** Middleware that also counts calls refused before their arguments are parsed (see `PipelineDeps`). */
  readonly admission?: readonly Middleware[];
  /** Upper bound for one module's setup; a module exceeding it is `failed_startup` (default 30 s). */
  readonly setupTimeoutMs?: number;
  /** Upper bound for every module's teardown together, so shutdown finishes in time. */
  readonly teardownTimeoutMs?: number;
  /**
   * Runs once every module has started, before any request waiting for startup goes on: what it writes
   * (the health file) is in place by the time the agent sees a tool.
   */
  readonly onStarted?: (report: StatusReport) => Promise<void>;
}

/** The running set of module instances and the tool table the MCP adapter serves. */
export class ScopedRuntime {
  readonly instances: readonly ModuleInstance[];
  readonly limits: CoreLimits;
  readonly sanitizer: Sanitizer;
  readonly redactor: SecretRedactor;
  /** What the agent may read, on every channel to its client (see outbound-policy.ts). */
  readonly outbound: OutboundPolicy;
  private readonly table = new ToolTable();
  /** tools/list as the agent sees it, rebuilt with the table. */
  private listed: ListedTools | undefined;
  /** Collisions already in the ops log, so a re-listing does not repeat them. */
  private reportedCollisions = new Set<string>();
  private started = false;
  private readonly deps: PipelineDeps;
  private stopping: Promise<void> | undefined;
  private starting: Promise<StatusReport> | undefined;
  private readonly session: SessionChannel;
  private toolsChangedListener: (() => void) | undefined;

  constructor(private readonly options: RuntimeOptions) {
    const secrets = [...(options.secrets ?? []), ...declaredSecrets(options.instances)];
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
    this.sanitizer = createSanitizer({ secrets });
    this.redactor = createSecretRedactor(secrets);
    this.outbound = createOutboundPolicy({
      redactor: this.redactor,
      rules: options.responseFilters ?? [],
      audit: options.audit,
      ops: options.ops,
    });
    this.deps = {
      agent: options.agent,
      audit: options.audit,
      ops: options.ops,
      sanitizer: this.sanitizer,
      redactor: this.redactor,
      middleware: options.middleware ?? [],
      logArgs: options.logArgs ?? true,
      ...(options.maxAuditArgsBytes !== undefined ? { maxAuditArgsBytes: options.maxAuditArgsBytes } : {}),
      ...(options.shadowed ? { shadowed: options.shadowed } : {}),
      maxArgumentDepth: this.limits.max_argument_depth,
      ...(options.admission ? { admission: options.admission } : {}),
    };
    this.session = options.session ?? detachedSession();
    this.instances = options.instances.map(
      (spec) =>
        new ModuleInstance(
          spec,
          options.agent,
          options.manifestDir,
          options.ops,
          // Delegate by hand: the session may be a class instance, whose methods a spread would drop.
          this.outbound.session(
            {
              clientReady: () => this.session.clientReady(),
              clientCapabilities: () => this.session.clientCapabilities(),
              request: (method, params, requestOptions) =>
                this.session.request(method, params, requestOptions),
              log: (level, data, logger) => this.session.log(level, data, logger),
              toolsChanged: () => this.refresh(spec.key),
            },
            spec.key,
          ),
          { manifestPath: options.manifestPath, limits: this.limits },
        ),
    );
  }

  /** Runs every module's setup concurrently; one failing leaves the others serving. Idempotent. */
  start(): Promise<StatusReport> {
    this.starting ??= this.startAll();
    return this.starting;
  }

  /** Resolves when startup is over (for requests that arrive while modules are still starting). */
  whenStarted(): Promise<StatusReport> {
    return this.start();
  }

  /** Called after a dynamic tool set changed and the table was rebuilt (the adapter notifies the client). */
  onToolsChanged(listener: () => void): void {
    this.toolsChangedListener = listener;
  }

  private async startAll(): Promise<StatusReport> {
    await Promise.all(
      this.instances.map((instance) => instance.start(this.deps, this.options.setupTimeoutMs)),
    );
    const collisions = this.rebuildTable();
    if (collisions.length > 0) {
      // Fail closed: with two modules behind one name, the agent could not know which one it calls.
      const problems = collisions.map(collisionMessage);
      this.options.ops.error({ problems }, 'tool_name_collision');
      throw new StartupError(problems, this.options.manifestPath);
    }
    this.started = true;
    const report = this.status();
    if (!report.healthy) {
      const failed = Object.entries(report.modules)
        .filter(([, m]) => m.status.startsWith('failed'))
        .map(([k]) => k);
      this.options.ops.warn({ failed_modules: failed, total_count: report.total_count }, 'modules_degraded');
    }
    await this.options.onStarted?.(report);
    return report;
  }

  /** The tool definitions the agent is shown: through the outbound policy, once per table rebuild. */
  list(): readonly Tool[] {
    this.listed ??= this.outbound.toolDefinitions(this.table.list());
    return this.listed.tools;
  }

  /**
   * Re-reads one instance's dynamic tools; notifies the listener when the table changed. A new tool whose
   * name another module holds is left out (the holder keeps it) and logged naming both.
   */
  refresh(instanceKey: string): void {
    const instance = this.instances.find((i) => i.key === instanceKey);
    if (!this.starting || !instance?.refreshTools()) return;
    // Before the first table exists, startup's own rebuild picks the new tools up (and checks them).
    if (!this.started) return;
    const collisions = this.rebuildTable();
    const current = new Set<string>();
    for (const collision of collisions) {
      const id = `${collision.name}\0${collision.refused.module}\0${collision.refused.tool}`;
      current.add(id);
      if (this.reportedCollisions.has(id)) continue;
      this.options.ops.error(
        {
          tool: collision.name,
          kept: collision.kept,
          refused: collision.refused,
          detail: collisionMessage(collision),
        },
        'tool_name_collision',
      );
    }
    this.reportedCollisions = current;
    this.options.ops.info({ module: instanceKey, tools: instance.tools.length }, 'tools_changed');
    this.toolsChangedListener?.();
  }

  private rebuildTable(): ToolNameCollision[] {
    this.statusPrepared ??= this.statusTool();
    this.listed = undefined;
    const collisions = this.table.rebuild(
      this.instances.map((instance) => ({
        key: instance.key,
        reserved: instance.reservedNames(),
        tools: instance.tools,
      })),
      [this.statusPrepared],
    );
    // Withheld tools are known (and logged) when the table is, not at the agent's first tools/list.
    this.list();
    return collisions;
  }

  private statusPrepared: PreparedTool | undefined;

  toolNames(): string[] {
    return this.table.names();
  }

  call(name: string, args: unknown, env?: Partial<CallEnvironment>): Promise<CallToolResult> {
    const tool = this.table.get(name);
    // A tool whose definition a block rule withheld is not offered, so it cannot be called either.
    if (tool && !this.listed?.withheld.has(name)) {
      return tool.invoke(args, {
        signal: env?.signal ?? new AbortController().signal,
        client: this.outbound.call(env?.client ?? callChannel(this.session), name),
      });
    }
    return Promise.resolve(this.refuse(name, new ToolNotFoundError(name.slice(0, 200))));
  }

  /**
   * A call refused before any tool is looked up (an unknown name, a full queue): one audit line with the
   * code and the name, cut and redacted (the agent chose it), no arguments, and the agent's result.
   */
  refuse(name: string, error: ScopedMcpError): CallToolResult {
    this.options.audit.warn(
      {
        status: 'error',
        elapsed_ms: 0,
        tool: this.sanitizer.redactText(name.slice(0, 200)),
        error_code: error.code,
      },
      'tool_error',
    );
    return errorResult(error, error.message);
  }

  status(): StatusReport {
    return statusReport(this.instances);
  }

  /** Teardown in reverse start order, bounded in time; safe to call more than once. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const all = (async () => {
        for (const instance of [...this.instances].reverse()) await instance.stop();
      })();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.options.ops.warn(
            { timeout_ms: this.options.teardownTimeoutMs ?? 2000 },
            'module_teardown_timeout',
          );
          resolve();
        }, this.options.teardownTimeoutMs ?? 2000);
      });
      await Promise.race([all, timeout]);
      clearTimeout(timer);
    })();
    return this.stopping;
  }

  private statusTool(): PreparedTool {
    const tool = defineTool({
      mode: 'read',
      description:
        'Health of this scoped-mcp server: each configured module and whether it is running. Call it at session start.',
      input: z.strictObject({}),
      output: statusReportSchema,
      handler: () => this.status() as never,
    });
    return prepareTool(
      { instance: '', key: STATUS_TOOL, name: STATUS_TOOL, tool: tool as never, context: {} as never },
      this.deps,
    );
  }
}
