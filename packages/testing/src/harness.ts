import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type {
  AgentIdentity,
  CallChannel,
  CoreLimits,
  CredentialSpec,
  ScopedMcpModule,
  SessionChannel,
  ToolMode,
} from '@scoped-mcp/core';
import {
  DEFAULT_LIMITS,
  formatZodIssues,
  type InstanceSpec,
  type Middleware,
  type RuntimeOptions,
  ScopedRuntime,
  STATUS_TOOL,
} from '@scoped-mcp/core/runtime';
import { captureLogger } from './capture-logger.js';

/** A tool's answer as the agent gets it, with the text an agent reads. */
export interface HarnessResult {
  readonly isError: boolean;
  /** Every text block of the result, joined by newlines ('' when there is none): all the agent reads. */
  readonly text: string;
  /** The CallToolResult itself (content blocks, structuredContent, _meta). */
  readonly raw: CallToolResult;
  /** `text` parsed as JSON. */
  json<T = unknown>(): T;
}

/** The one reading of a result in this kit, for the harness and `connectInMemory` alike. */
export function harnessResult(raw: CallToolResult): HarnessResult {
  const text = raw.content
    .filter((block) => block.type === 'text')
    .map((block) => (block as { text: string }).text)
    .join('\n');
  return { isError: raw.isError === true, text, raw, json: <T>() => JSON.parse(text) as T };
}

/** How the runtime behind a harness is set up: the identity, the manifest's place, the chain. */
export interface RuntimeHarnessOptions {
  /** The whole identity; default `agentId` / `agentType` with a fresh session id. */
  readonly agent?: AgentIdentity;
  /** Default `test-agent`. */
  readonly agentId?: string;
  /** Default `test`. */
  readonly agentType?: string;
  /** Directory config paths resolve against; default the working directory. */
  readonly manifestDir?: string;
  readonly manifestPath?: string;
  /** Values to redact besides the instances' credentials (which are always redacted, as in production). */
  readonly secrets?: readonly string[];
  readonly middleware?: readonly Middleware[];
  /**
   * The manifest's response_filters for tool definitions, notifications and requests (results pass the
   * response filter middleware: give it in `middleware`, as `buildGuardrails` does).
   */
  readonly responseFilters?: RuntimeOptions['responseFilters'];
  /** `audit.log_args` of a manifest; default true. */
  readonly logArgs?: boolean;
  readonly setupTimeoutMs?: number;
  readonly teardownTimeoutMs?: number;
  readonly onStarted?: RuntimeOptions['onStarted'];
  /** The manifest's `limits:` (what `setup` sees as `ctx.limits`); unset ones keep their defaults. */
  readonly limits?: Partial<CoreLimits>;
  /** Stands in for the agent's client; default: no client (requests fail, capabilities `{}`). */
  readonly session?: SessionChannel;
}

export interface HarnessCallOptions {
  readonly signal?: AbortSignal;
  /** The call's client channel (progress, server→client requests); default: the harness session. */
  readonly client?: CallChannel;
}

/** A runtime of module instances run through the same chain as the server, minus the transport. */
export interface ModuleHarness {
  /** Tools served now, without `scoped_mcp_status`. */
  readonly toolNames: readonly string[];
  readonly agent: AgentIdentity;
  /**
   * An exposed name (`filesystem_read_file`, `scoped_mcp_status`); with one instance, also a tool key
   * (`read_file`). A name that is neither is called as given (and answered as an unknown tool).
   */
  call(tool: string, args?: unknown, options?: HarnessCallOptions): Promise<HarnessResult>;
  /** The runtime behind the harness (`start()`, `status()`, tool definitions via `list()`). */
  readonly runtime: ScopedRuntime;
  /** Audit records written so far. */
  readonly audit: readonly Record<string, unknown>[];
  /** Ops records written so far. */
  readonly ops: readonly Record<string, unknown>[];
  /** Tears the modules down. */
  close(): Promise<void>;
}

/** One `modules.<key>` entry as the runtime takes it; `extra` sets mode, config, credentials, failure… */
export function moduleInstance(
  key: string,
  module: ScopedMcpModule | undefined,
  extra: Partial<InstanceSpec> = {},
): InstanceSpec {
  return {
    key,
    type: module?.name ?? key,
    optional: false,
    mode: null,
    module,
    config: {},
    credentials: {},
    ...extra,
  };
}

/** The runtime options a harness or an in-memory server is built from, with its captured log lines. */
export function runtimeParts(
  instances: readonly InstanceSpec[],
  options: RuntimeHarnessOptions,
): {
  readonly runtimeOptions: Omit<RuntimeOptions, 'session'>;
  readonly audit: Record<string, unknown>[];
  readonly ops: Record<string, unknown>[];
} {
  const agent: AgentIdentity =
    options.agent ??
    Object.freeze({
      id: options.agentId ?? 'test-agent',
      type: options.agentType ?? 'test',
      sessionId: randomUUID(),
    });
  const audit: Record<string, unknown>[] = [];
  const ops: Record<string, unknown>[] = [];
  return {
    audit,
    ops,
    runtimeOptions: {
      agent,
      instances,
      manifestDir: options.manifestDir ?? process.cwd(),
      ...(options.manifestPath ? { manifestPath: options.manifestPath } : {}),
      audit: captureLogger('audit', audit).child({
        agent_id: agent.id,
        agent_type: agent.type,
        session_id: agent.sessionId,
      }),
      ops: captureLogger('ops', ops),
      // Every credential value is redacted, as a server start does with all it resolved.
      secrets: [...(options.secrets ?? []), ...instances.flatMap((i) => Object.values(i.credentials))],
      middleware: options.middleware,
      responseFilters: options.responseFilters,
      logArgs: options.logArgs,
      setupTimeoutMs: options.setupTimeoutMs,
      teardownTimeoutMs: options.teardownTimeoutMs,
      onStarted: options.onStarted,
      limits: { ...DEFAULT_LIMITS, ...options.limits },
    },
  };
}

/**
 * A harness over instances made ready by the caller (config parsed, credentials picked), not started:
 * `harness.runtime.start()` runs the modules' setup, as a server start would.
 */
export function createHarness(
  instances: readonly InstanceSpec[],
  options: RuntimeHarnessOptions = {},
): ModuleHarness {
  const { runtimeOptions, audit, ops } = runtimeParts(instances, options);
  const runtime = new ScopedRuntime({
    ...runtimeOptions,
    ...(options.session ? { session: options.session } : {}),
  });
  // With one instance, a tool key stands for its exposed name; any other name is called as given.
  const only = instances.length === 1 ? instances[0] : undefined;
  const resolveName = (tool: string) => {
    if (!only || runtime.toolNames().includes(tool)) return tool;
    const exposed = `${only.key}_${tool}`;
    return runtime.toolNames().includes(exposed) || Object.hasOwn(only.module?.tools ?? {}, tool)
      ? exposed
      : tool;
  };
  return {
    get toolNames() {
      return runtime.toolNames().filter((name) => name !== STATUS_TOOL);
    },
    runtime,
    agent: runtimeOptions.agent,
    audit,
    ops,
    async call(tool, args = {}, callOptions = {}) {
      return harnessResult(await runtime.call(resolveName(tool), args, callOptions));
    },
    close: () => runtime.stop(),
  };
}

export interface HarnessOptions extends RuntimeHarnessOptions {
  /** Raw `config` block; validated by the module's own schema. */
  readonly config?: unknown;
  /** Omitted = every tool, as a manifest without `mode`. */
  readonly mode?: ToolMode;
  /** Only the keys the module declares are passed on, as in production. */
  readonly credentials?: Readonly<Record<string, string>>;
  /** Manifest key; default the module's name. */
  readonly instance?: string;
}

/**
 * One module as a manifest would run it: its config validated by its own schema, only the credentials it
 * declares, setup done. Throws with the whole message when the config, a required credential or setup
 * fails (the agent would see only `failed_startup`).
 */
export async function createModuleHarness(
  module: ScopedMcpModule,
  options: HarnessOptions = {},
): Promise<ModuleHarness> {
  const harness = createHarness([moduleSpec(module, options)], options);
  const report = await harness.runtime.start();
  const instance = harness.runtime.instances[0];
  if (instance && report.modules[instance.key]?.status !== 'running') {
    throw new Error(`module setup failed: ${instance.error ?? report.modules[instance.key]?.status}`);
  }
  return harness;
}

/**
 * The problems a module's `check` reports for a config, as `scoped-mcp validate` runs it: config parsed by
 * the module's schema, paths resolved against `manifestDir`, the manifest's limits. No setup runs. A module
 * without `check` has none.
 */
export async function checkModule(
  module: ScopedMcpModule,
  options: Pick<HarnessOptions, 'config' | 'instance' | 'manifestDir' | 'manifestPath' | 'limits'> = {},
): Promise<readonly string[]> {
  // Config only: a check sees no credentials, as `validate` may run where the agent's secrets are not.
  const parsed = module.config.safeParse(options.config ?? {});
  if (!parsed.success) {
    throw new Error(`invalid config: ${formatZodIssues(parsed.error, ['config']).join('; ')}`);
  }
  const manifestDir = options.manifestDir ?? process.cwd();
  return (
    (await module.check?.({
      instance: options.instance ?? module.name,
      config: parsed.data as never,
      manifestDir,
      manifestPath: options.manifestPath ?? resolve(manifestDir, 'manifest.yml'),
      resolvePath: (path) => (isAbsolute(path) ? path : resolve(manifestDir, path)),
      limits: { ...DEFAULT_LIMITS, ...options.limits },
    })) ?? []
  );
}

/** One module as a manifest entry would give it: config parsed by its schema, declared credentials only. */
export function moduleSpec(module: ScopedMcpModule, options: HarnessOptions): InstanceSpec {
  const parsed = module.config.safeParse(options.config ?? {});
  if (!parsed.success) {
    throw new Error(`invalid config: ${formatZodIssues(parsed.error, ['config']).join('; ')}`);
  }
  const declared: CredentialSpec | undefined =
    typeof module.credentials === 'function' ? module.credentials(parsed.data as never) : module.credentials;
  return moduleInstance(options.instance ?? module.name, module, {
    mode: options.mode ?? null,
    config: parsed.data,
    credentials: pickCredentials(declared, options.credentials ?? {}),
  });
}

function pickCredentials(
  declared: CredentialSpec | undefined,
  given: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  const picked: Record<string, string> = {};
  for (const key of [...(declared?.required ?? []), ...(declared?.optional ?? [])]) {
    const value = given[key];
    if (value !== undefined) picked[key] = value;
  }
  const missing = (declared?.required ?? []).filter((key) => picked[key] === undefined);
  if (missing.length > 0) throw new Error(`missing required credential(s): ${missing.join(', ')}`);
  return picked;
}
