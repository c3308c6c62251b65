import { randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { AgentIdentity } from '../identity/agent-identity.js';
import { formatZodIssues } from '../manifest/index.js';
import type { Middleware } from '../middleware/compose.js';
import type { CallChannel, SessionChannel } from '../module/client-channel.js';
import type { CredentialSpec, ScopedMcpModule, ToolMode } from '../module/types.js';
import { ScopedRuntime } from '../server/scoped-runtime.js';
import { captureLogger } from './capture-logger.js';

export interface HarnessOptions {
  /** Raw `config` block; validated by the module's own schema. */
  readonly config?: unknown;
  readonly agentId?: string;
  readonly agentType?: string;
  /** Omitted = every tool, as a manifest without `mode`. */
  readonly mode?: ToolMode;
  /** Only the keys the module declares are passed on, as in production. */
  readonly credentials?: Readonly<Record<string, string>>;
  /** Manifest key; default the module's name. */
  readonly instance?: string;
  readonly manifestDir?: string;
  readonly middleware?: readonly Middleware[];
  /** Stands in for the agent's client; default: no client (requests fail, capabilities `{}`). */
  readonly session?: SessionChannel;
}

export interface HarnessCallOptions {
  readonly signal?: AbortSignal;
  /** The call's client channel (progress, server→client requests); default: the harness session. */
  readonly client?: CallChannel;
}

export interface HarnessResult {
  readonly isError: boolean;
  /** Text of the first content block ('' when there is none). */
  readonly text: string;
  readonly raw: CallToolResult;
  json<T = unknown>(): T;
}

export interface ModuleHarness {
  readonly toolNames: readonly string[];
  readonly agent: AgentIdentity;
  /** Tool key (`read_file`) or exposed name (`filesystem_read_file`). */
  call(tool: string, args?: Record<string, unknown>, options?: HarnessCallOptions): Promise<HarnessResult>;
  /** The runtime behind the harness (tool definitions via `runtime.list()`). */
  readonly runtime: ScopedRuntime;
  /** Audit records written so far. */
  readonly audit: readonly Record<string, unknown>[];
  /** Ops records written so far. */
  readonly ops: readonly Record<string, unknown>[];
  close(): Promise<void>;
}

/** Runs a module through the same chain as the server (parse, middleware, handler, errors, audit), minus the transport. */
export async function createModuleHarness(
  module: ScopedMcpModule,
  options: HarnessOptions = {},
): Promise<ModuleHarness> {
  const parsed = (module.config as z.ZodType).safeParse(options.config ?? {});
  if (!parsed.success) {
    throw new Error(`invalid config: ${formatZodIssues(parsed.error, ['config']).join('; ')}`);
  }
  const declared: CredentialSpec | undefined =
    typeof module.credentials === 'function' ? module.credentials(parsed.data as never) : module.credentials;
  const credentials = pickCredentials(declared, options.credentials ?? {});
  const agent: AgentIdentity = Object.freeze({
    id: options.agentId ?? 'test-agent',
    type: options.agentType ?? 'test',
    sessionId: randomUUID(),
  });
  const audit: Record<string, unknown>[] = [];
  const ops: Record<string, unknown>[] = [];
  const instance = options.instance ?? module.name;
  const runtime = new ScopedRuntime({
    agent,
    instances: [
      {
        key: instance,
        type: module.name,
        optional: false,
        mode: options.mode ?? null,
        module,
        config: parsed.data,
        credentials,
      },
    ],
    manifestDir: options.manifestDir ?? process.cwd(),
    audit: captureLogger('audit', audit).child({
      agent_id: agent.id,
      agent_type: agent.type,
      session_id: agent.sessionId,
    }),
    ops: captureLogger('ops', ops),
    secrets: Object.values(credentials),
    middleware: options.middleware,
    ...(options.session ? { session: options.session } : {}),
  });
  const report = await runtime.start();
  const health = report.modules[instance];
  if (health?.status !== 'running') {
    // Module authors need the whole message here; the agent-facing status carries only its type.
    throw new Error(`module setup failed: ${runtime.instances[0]?.error ?? health?.status ?? 'unknown'}`);
  }
  const currentNames = () => runtime.toolNames().filter((name) => name !== 'scoped_mcp_status');
  return {
    get toolNames() {
      return currentNames();
    },
    runtime,
    agent,
    audit,
    ops,
    async call(tool, args = {}, options = {}) {
      const names = currentNames();
      const name = names.includes(tool) ? tool : `${instance}_${tool}`;
      const raw = await runtime.call(name, args, options);
      const first = raw.content[0];
      const text = first?.type === 'text' ? first.text : '';
      return { isError: raw.isError === true, text, raw, json: <T>() => JSON.parse(text) as T };
    },
    close: () => runtime.stop(),
  };
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
