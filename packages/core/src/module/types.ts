import type { z } from 'zod';
import type { AgentIdentity } from '../identity/agent-identity.js';
import type { CallChannel, SessionChannel } from './client-channel.js';

/** `read` tools never change backend state; `mode: read` in a manifest registers only these. */
export type ToolMode = 'read' | 'write';

/** The logging surface a module sees: pino-compatible, but modules need not depend on pino. */
export interface ModuleLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/** Declares which credential keys a module instance may receive; nothing else is ever resolved for it. */
export interface CredentialSpec {
  readonly required?: readonly string[];
  readonly optional?: readonly string[];
}

export type RuntimePurpose = 'serve' | 'pins-update';

/** What `setup` and `teardown` receive. */
export interface ModuleContext<Config> {
  readonly agent: AgentIdentity;
  /** The manifest key of this instance (`modules.<key>`); prefixes every tool name. */
  readonly instance: string;
  readonly config: Config;
  /** Only the keys the module declared, resolved from the manifest's credential source. */
  readonly credentials: Readonly<Record<string, string>>;
  readonly log: ModuleLogger;
  /** Directory of the manifest file; relative paths in config are resolved against it, never the cwd. */
  readonly manifestDir: string;
  /** The manifest file itself (modules keep companion files such as a pin lock next to it). */
  readonly manifestPath: string;
  /**
   * Why the runtime started: `serve` (normal), or `pins-update` (`scoped-mcp pins update`: record the
   * current upstream tool definitions instead of enforcing the lock, then stop).
   */
  readonly purpose: RuntimePurpose;
  /** Resolves a config path relative to the manifest's directory (absolute paths are returned as is). */
  resolvePath(path: string): string;
  /** The agent's client: capabilities, server→client requests, logging, tool-list changes. */
  readonly session: SessionChannel;
}

/** What a tool handler receives besides its parsed arguments. */
export interface ToolContext<Config, State> extends ModuleContext<Config> {
  readonly state: State;
  /** Aborted when the client cancels the call or the server shuts down. */
  readonly signal: AbortSignal;
  /** This call's link to the client: progress, `_meta`, and the session's requests and logging. */
  readonly client: CallChannel;
}

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** A result passed to the client untouched (content blocks, structuredContent, isError) — for proxies. */
export interface RawToolResult {
  readonly [RAW_RESULT]: true;
  readonly result: {
    readonly content: readonly { readonly type: string; readonly [key: string]: unknown }[];
    readonly structuredContent?: { readonly [key: string]: unknown };
    readonly isError?: boolean;
    readonly [key: string]: unknown;
  };
}

export const RAW_RESULT: unique symbol = Symbol.for('scoped-mcp.raw-result') as never;

/** A string is sent as text; any other JSON value as its JSON text. */
export type ToolOutput = JsonValue | RawToolResult;

export interface ToolAnnotationHints {
  /** A human-readable title (MCP `annotations.title`). */
  readonly title?: string;
  /** Defaults from `mode`; a proxy may pass an upstream's own hint through unchanged. */
  readonly readOnlyHint?: boolean;
  readonly destructiveHint?: boolean;
  readonly idempotentHint?: boolean;
  readonly openWorldHint?: boolean;
}

export interface ToolDefinition<Input extends z.ZodType, Config, State> {
  readonly mode: ToolMode;
  readonly description: string;
  readonly title?: string;
  /** Parsed (and thereby validated) before the handler runs; its JSON Schema is advertised to clients. */
  readonly input: Input;
  /** Extra MCP annotations; `readOnlyHint` and `destructiveHint` default from `mode`. */
  readonly annotations?: ToolAnnotationHints;
  /**
   * Advertised verbatim instead of the JSON Schema derived from `input` — for proxies, which pass an
   * upstream's schema through unchanged (`$schema`, `$defs`, `additionalProperties` kept). `input` still
   * parses the arguments, so pair it with a permissive `input` and validate inside the handler.
   */
  readonly inputSchema?: Readonly<Record<string, unknown>>;
  /** Advertised as the tool's outputSchema; the handler then returns structuredContent via rawResult(). */
  readonly outputSchema?: Readonly<Record<string, unknown>>;
  handler(args: z.output<Input>, ctx: ToolContext<Config, State>): Promise<ToolOutput> | ToolOutput;
}

export type AnyToolDefinition<Config = unknown, State = unknown> = ToolDefinition<z.ZodType, Config, State>;

export interface ModuleDefinition<ConfigSchema extends z.ZodType, State> {
  /** snake_case; equals the package suffix with `-` → `_` (`module-slack-webhook` → `slack_webhook`). */
  readonly name: string;
  readonly description: string;
  /** Validates `modules.<key>.config` when the manifest loads; unknown keys should be rejected (z.strictObject). */
  readonly config: ConfigSchema;
  readonly credentials?: CredentialSpec | ((config: z.output<ConfigSchema>) => CredentialSpec);
  /** Runs once at startup, concurrently with other modules; its result is every handler's `ctx.state`. */
  setup?(ctx: ModuleContext<z.output<ConfigSchema>>): Promise<State> | State;
  /**
   * Runs at shutdown in reverse start order, for every module whose setup completed. A setup that fails
   * half-way must release what it already acquired before it throws.
   */
  teardown?(state: State, ctx: ModuleContext<z.output<ConfigSchema>>): Promise<void> | void;
  readonly tools: Readonly<Record<string, AnyToolDefinition<z.output<ConfigSchema>, State>>>;
  /**
   * Tools known only at run time (a proxy's upstream tools), read after `setup` and again after each
   * `ctx.session.toolsChanged()`. Keys follow `[A-Za-z_][A-Za-z0-9_]*`; exposed as `<instance>_<key>`.
   */
  dynamicTools?(state: State): Readonly<Record<string, AnyToolDefinition<z.output<ConfigSchema>, State>>>;
}

export const MODULE_BRAND: unique symbol = Symbol.for('scoped-mcp.module') as never;

/** A module as the loader sees it: a plain branded object (not a class, so copies of core interoperate). */
export interface ScopedMcpModule<ConfigSchema extends z.ZodType = z.ZodType, State = unknown>
  extends ModuleDefinition<ConfigSchema, State> {
  readonly [MODULE_BRAND]: 1;
}
