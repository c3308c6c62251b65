import { isAbsolute, resolve } from 'node:path';
import type { Logger } from 'pino';
import { errorLine } from '../errors/error-line.js';
import { SetupTimeoutError } from '../errors/errors.js';
import type { AgentIdentity } from '../identity/agent-identity.js';
import type { SessionChannel } from '../module/client-channel.js';
import { DEFAULT_LIMITS } from '../manifest/schema.js';
import type {
  AnyToolDefinition,
  CoreLimits,
  ModuleContext,
  ModuleLogger,
  ScopedMcpModule,
  ToolMode,
} from '../module/types.js';
import { detachedSession } from '../module/client-channel.js';
import { exposedToolName, type PipelineDeps, type PreparedTool, prepareTool } from './tool-pipeline.js';
import type { Sanitizer } from '../redact/sanitize.js';

const DYNAMIC_TOOL_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export type ModuleStatus =
  | 'pending'
  | 'running'
  | 'failed_import'
  | 'failed_init'
  | 'failed_startup'
  | 'stopped';

export interface InstanceSpec {
  readonly key: string;
  readonly type: string;
  readonly optional: boolean;
  readonly mode: ToolMode | null;
  /** Absent when the module could not be imported or initialised (see `failure`). */
  readonly module?: ScopedMcpModule;
  readonly config?: unknown;
  readonly credentials: Readonly<Record<string, string>>;
  readonly failure?: { readonly status: 'failed_import' | 'failed_init'; readonly error: string };
}

/** Tool keys a module registers under a manifest `mode` (read → read tools only; write or unset → all). */
export function selectToolKeys(module: ScopedMcpModule, mode: ToolMode | null): string[] {
  return Object.entries(module.tools)
    .filter(([, tool]) => mode !== 'read' || tool.mode === 'read')
    .map(([key]) => key);
}

/**
 * The values each instance declares with `secrets(config)` (what it hands its backend: tokens in an
 * environment, header values, URL credentials), for exact-value redaction everywhere the process
 * writes. Instances whose config did not load declare nothing. Values too short or too common to tell
 * apart from ordinary data are left out by the redactor (see redact/secrets.ts).
 */
export function declaredSecrets(specs: readonly InstanceSpec[]): string[] {
  const values: string[] = [];
  for (const spec of specs) {
    if (!spec.module?.secrets || spec.failure || spec.config === undefined) continue;
    for (const value of spec.module.secrets(spec.config as never)) {
      if (typeof value === 'string') values.push(value);
    }
  }
  return values;
}

/**
 * The exposed names of an instance's static tools under its mode, with their tool keys. The manifest and
 * the module package fix them before any module code runs, so they are reserved even for an instance
 * whose config or setup failed: no tool a module discovers later may take one.
 */
export function reservedToolNames(
  spec: Pick<InstanceSpec, 'key' | 'module' | 'mode'>,
): { name: string; tool: string }[] {
  if (!spec.module) return [];
  return selectToolKeys(spec.module, spec.mode).map((tool) => ({
    name: exposedToolName(spec.key, tool),
    tool,
  }));
}

/** One `modules.<key>` entry at run time: setup, its tools, teardown, and its health. */
export class ModuleInstance {
  status: ModuleStatus;
  error: string | undefined;
  tools: readonly PreparedTool[] = [];
  private state: unknown;
  private context: ModuleContext<unknown> | undefined;
  private deps: PipelineDeps | undefined;

  constructor(
    readonly spec: InstanceSpec,
    private readonly agent: AgentIdentity,
    private readonly manifestDir: string,
    private readonly ops: Logger,
    private readonly session: SessionChannel = detachedSession(),
    private readonly where: { manifestPath?: string; limits?: CoreLimits } = {},
  ) {
    this.status = spec.failure?.status ?? 'pending';
    this.error = spec.failure?.error;
  }

  get key(): string {
    return this.spec.key;
  }

  /** Exposed names of its static tools under its mode: fixed by the manifest, whether or not it started. */
  reservedNames(): { name: string; tool: string }[] {
    return reservedToolNames(this.spec);
  }

  async start(deps: PipelineDeps, setupTimeoutMs = 30_000): Promise<void> {
    const { module } = this.spec;
    if (!module || this.status !== 'pending') return;
    const opsForModule = this.ops.child({ module: this.spec.key });
    const log = sanitizingLogger(opsForModule, deps.sanitizer);
    const manifestDir = this.manifestDir;
    const context: ModuleContext<unknown> = Object.freeze({
      agent: this.agent,
      instance: this.spec.key,
      config: this.spec.config,
      credentials: this.spec.credentials,
      log,
      manifestDir,
      manifestPath: this.where.manifestPath ?? resolve(manifestDir, 'manifest.yml'),
      resolvePath: (path: string) => (isAbsolute(path) ? path : resolve(manifestDir, path)),
      session: this.session,
      limits: this.where.limits ?? DEFAULT_LIMITS,
    });
    try {
      this.state = await bounded(Promise.resolve(module.setup?.(context)), setupTimeoutMs, (late) => {
        // The setup finished after we gave up on it: release what it acquired.
        void Promise.resolve(module.teardown?.(late as never, context)).catch(() => undefined);
      });
      this.context = context;
    } catch (error) {
      this.status = 'failed_startup';
      // Redacted before it is cut: a cut could leave part of a secret that redaction no longer matches.
      this.error = errorLine(deps.sanitizer.redactText(errorLine(error, Number.POSITIVE_INFINITY)));
      opsForModule.error({ error: this.error }, 'module_startup_failed');
      return;
    }
    this.deps = deps;
    this.tools = this.buildTools(module, deps, opsForModule);
    if (this.tools.length === 0) {
      const hint =
        this.spec.mode === 'read'
          ? 'mode: read registers read tools only, and this module has none'
          : undefined;
      opsForModule.warn({ mode: this.spec.mode, ...(hint ? { hint } : {}) }, 'no_tools_registered');
    }
    this.status = 'running';
  }

  /** Re-reads a dynamic tool set (after `ctx.session.toolsChanged()`); returns whether anything changed. */
  refreshTools(): boolean {
    const { module } = this.spec;
    if (!module?.dynamicTools || !this.deps || this.status !== 'running') return false;
    const before = this.tools.map((t) => JSON.stringify(t.definition)).join('\n');
    this.tools = this.buildTools(module, this.deps, this.ops.child({ module: this.spec.key }));
    return this.tools.map((t) => JSON.stringify(t.definition)).join('\n') !== before;
  }

  private buildTools(module: ScopedMcpModule, deps: PipelineDeps, log: Logger): PreparedTool[] {
    const context = Object.freeze({ ...this.context!, state: this.state });
    const prepare = (key: string, tool: AnyToolDefinition) =>
      prepareTool({ instance: this.spec.key, key, tool, context }, deps);
    const tools = selectToolKeys(module, this.spec.mode).map((key) => prepare(key, module.tools[key]!));
    if (!module.dynamicTools) return tools;
    let dynamic: Readonly<Record<string, AnyToolDefinition>>;
    try {
      dynamic = module.dynamicTools(this.state);
    } catch (error) {
      log.error(
        { error: errorLine(deps.sanitizer.redactText(errorLine(error, Number.POSITIVE_INFINITY))) },
        'dynamic_tools_failed',
      );
      return tools;
    }
    for (const [key, tool] of Object.entries(dynamic)) {
      if (!DYNAMIC_TOOL_KEY.test(key) || key in module.tools) {
        log.warn({ tool_key: key.slice(0, 100) }, 'dynamic_tool_skipped');
        continue;
      }
      if (this.spec.mode === 'read' && tool.mode !== 'read') continue;
      tools.push(prepare(key, tool));
    }
    return tools;
  }

  async stop(): Promise<void> {
    const { module } = this.spec;
    const context = this.context;
    this.context = undefined;
    if (!module?.teardown || context === undefined) return;
    try {
      await module.teardown(this.state, context);
    } catch (error) {
      this.ops.error({ module: this.spec.key, error: errorLine(error) }, 'module_shutdown_error');
    } finally {
      this.status = 'stopped';
    }
  }
}

function bounded<T>(work: Promise<T>, ms: number, onLate: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new SetupTimeoutError(ms));
    }, ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        if (timedOut) onLate(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * The logger a module gets: every field sanitised and every message redacted before it is written, so a
 * module logging its own credential (or a backend echoing one) cannot put it in the ops log.
 */
export function sanitizingLogger(target: Logger, sanitizer: Sanitizer): ModuleLogger {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (fields: object, message?: string): void => {
      if (!target.isLevelEnabled(level)) return;
      const clean = sanitizer.sanitize(fields);
      const safeFields = typeof clean === 'object' && clean !== null ? clean : { value: clean };
      target[level](safeFields, message === undefined ? undefined : sanitizer.redactText(message));
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
