import type { z } from 'zod';
import type { AgentIdentity } from '../identity/agent-identity.js';
import type { CallChannel, SessionChannel } from './client-channel.js';
import type { NotifierFactory } from './notifier.js';

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

/**
 * The server's own limits (the manifest's `limits:` block, defaults filled), for a module to check its
 * config against: a module cap that no message can carry (a write larger than `max_message_bytes`) is a
 * config mistake to refuse in `setup`, not a call to fail later.
 */
export interface CoreLimits {
  /** Longest message the server reads from the client, in bytes (default 10 MiB, the MCP SDK's). */
  readonly max_message_bytes: number;
  /** Tool calls running at once (default 16). */
  readonly max_calls_in_flight: number;
  /** Tool calls waiting for one of those slots (default 64); more are refused at once. */
  readonly max_queued_calls: number;
  /** How deep a call's arguments may nest, objects and arrays (default 64); deeper is refused. */
  readonly max_argument_depth: number;
}

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
  /** Resolves a config path relative to the manifest's directory (absolute paths are returned as is). */
  resolvePath(path: string): string;
  /** The agent's client: capabilities, server→client requests, logging, tool-list changes. */
  readonly session: SessionChannel;
  /** The server's limits, read-only. */
  readonly limits: CoreLimits;
}

/**
 * What `check` receives: the instance's config as a server start would parse it, and where the manifest is.
 * No agent (`scoped-mcp validate` runs without one), no credentials, no logger: a check only looks.
 */
export interface ModuleCheckContext<Config> {
  /** The manifest key of this instance (`modules.<key>`). */
  readonly instance: string;
  readonly config: Config;
  readonly manifestDir: string;
  readonly manifestPath: string;
  /** Resolves a config path relative to the manifest's directory (absolute paths are returned as is). */
  resolvePath(path: string): string;
  readonly limits: CoreLimits;
}

/**
 * What a tool handler receives besides its parsed arguments: a plain object of its own properties, fresh
 * for each call, so `{ ...ctx }` keeps everything (agent, config, state, signal, client…).
 */
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

/** A value for a tool's `output` schema with the text people read (`structuredResult()`). */
export interface StructuredResult {
  readonly [STRUCTURED_RESULT]: true;
  readonly value: JsonValue;
  readonly text: string;
}

export const STRUCTURED_RESULT: unique symbol = Symbol.for('scoped-mcp.structured-result') as never;

/**
 * A string is sent as text; any other JSON value as its JSON text; a StructuredResult as its text, its
 * value going to structuredContent.
 */
export type ToolOutput = JsonValue | RawToolResult | StructuredResult;

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
  /**
   * The tool's result: advertised (as JSON Schema) as its `outputSchema`, and every result is checked
   * against it and sent as `structuredContent` too; a mismatch is a failure for the operator's log. An
   * object schema describes `structuredContent` itself; any other is wrapped as `{ result: value }`, as
   * FastMCP does. The handler returns the value (its text: a string as is, anything else as JSON) or
   * `structuredResult(value, text)` with a text of its own.
   */
  readonly output?: z.ZodType;
  handler(args: z.output<Input>, ctx: ToolContext<Config, State>): Promise<ToolOutput> | ToolOutput;
}

export type AnyToolDefinition<Config = unknown, State = unknown> = ToolDefinition<z.ZodType, Config, State>;

/** A module's tools by key (the key is the tool's name after the instance prefix). */
export type ToolSet<Config = unknown, State = unknown> = Readonly<
  Record<string, AnyToolDefinition<Config, State>>
>;

/**
 * `defineTool` with a module's config and state types bound: `defineModule` hands it to `tools: (tool) => …`,
 * so `ctx.config` and `ctx.state` are typed in every handler while each tool's arguments are still
 * inferred from its own `input`.
 */
export type ToolBuilder<Config, State> = <Input extends z.ZodType>(
  definition: ToolDefinition<Input, Config, State>,
) => ToolDefinition<Input, Config, State>;

export interface ModuleDefinition<ConfigSchema extends z.ZodType, State> {
  /** snake_case; equals the package suffix with `-` → `_` (`module-slack-webhook` → `slack_webhook`). */
  readonly name: string;
  readonly description: string;
  /** Validates `modules.<key>.config` when the manifest loads; unknown keys should be rejected (z.strictObject). */
  readonly config: ConfigSchema;
  readonly credentials?: CredentialSpec | ((config: z.output<ConfigSchema>) => CredentialSpec);
  /**
   * Values of this instance's config that must never reach the agent or a log: a token put in a child's
   * environment, a header value, the password in a URL. Core adds them to the values it redacts on every
   * channel (results, tool definitions, notifications, requests, error texts, logs), like the resolved
   * credentials. Called once per instance at startup. Values shorter than 6 characters, and numbers
   * shorter than 10 digits, are ignored: "1", "true" or a port cannot be told apart from ordinary data.
   */
  readonly secrets?: (config: z.output<ConfigSchema>) => readonly string[];
  /** Runs once at startup, concurrently with other modules; its result is every handler's `ctx.state`. */
  setup?(ctx: ModuleContext<z.output<ConfigSchema>>): Promise<State> | State;
  /**
   * What would make `setup` fail on this machine, found without creating or changing anything: run by
   * `scoped-mcp validate` (never by a server start), e.g. a directory that cannot be created or a file that
   * cannot be read. Returns one message per problem, each naming the config field and saying what to change
   * (core prefixes `modules.<key>: `); none when all is well. It must not create, modify or connect to
   * anything: validate runs where the agent will not, and as whoever runs it.
   */
  check?(ctx: ModuleCheckContext<z.output<ConfigSchema>>): Promise<readonly string[]> | readonly string[];
  /**
   * Runs at shutdown in reverse start order, for every module whose setup completed. A setup that fails
   * half-way must release what it already acquired before it throws.
   */
  teardown?(state: State, ctx: ModuleContext<z.output<ConfigSchema>>): Promise<void> | void;
  readonly tools: ToolSet<z.output<ConfigSchema>, State>;
  /**
   * Tools known only at run time (a proxy's upstream tools), read after `setup` and again after each
   * `ctx.session.toolsChanged()`. Keys follow `[A-Za-z_][A-Za-z0-9_]*`; exposed as `<instance>_<key>`.
   */
  dynamicTools?(state: State): ToolSet<z.output<ConfigSchema>, State>;
  /**
   * CLI subcommands this module adds: `commands: { pins: … }` makes `scoped-mcp pins … --manifest PATH`
   * run with this module's instances in that manifest. Words are lower-case (`[a-z][a-z0-9-]*`); a word
   * the CLI has built in is never given to a module.
   */
  readonly commands?: Readonly<Record<string, ModuleCommand<z.output<ConfigSchema>>>>;
  /**
   * The sender for `hitl.notify.type: <this module's name>`: the manifest's `hitl.notify` makes core load
   * this package (as it loads modules) and call this once at startup, whether or not `modules:` uses it.
   */
  readonly notifier?: NotifierFactory;
}

/**
 * What `defineModule` accepts: a module definition whose `tools` may also be a function of the module's
 * tool builder, `tools: (tool) => ({ read_file: tool({ … }) })`, which types `ctx.config` and `ctx.state`
 * in each handler from `config` and `setup`. Omitted `tools` means none (a module may have only
 * `dynamicTools` or `commands`); omitted `credentials` means none.
 */
export interface ModuleInput<ConfigSchema extends z.ZodType, State>
  extends Omit<ModuleDefinition<ConfigSchema, State>, 'tools'> {
  readonly tools?:
    | ToolSet<z.output<ConfigSchema>, State>
    | ((tool: ToolBuilder<z.output<ConfigSchema>, State>) => ToolSet<z.output<ConfigSchema>, State>);
}

/** A CLI subcommand contributed by a module (see `ModuleDefinition.commands`). */
export interface ModuleCommand<Config> {
  /** One line for people: what the command does. */
  readonly summary: string;
  /** The arguments after the command word, for help and usage errors (`update`); core adds the flags. */
  readonly usage: string;
  /** Runs outside any server (no agent client, no tool calls); returns the process's exit code. */
  run(ctx: ModuleCommandContext<Config>): Promise<number> | number;
}

/** One `modules.<key>` instance of the module in the manifest, ready as a server start would have it. */
export interface CommandInstance<Config> {
  /** The manifest key (`modules.<key>`). */
  readonly key: string;
  /** Parsed by the module's own config schema, defaults applied. */
  readonly config: Config;
  /** Only the keys the module declared, resolved from the manifest's credential source. */
  readonly credentials: Readonly<Record<string, string>>;
}

/** What a module command receives. It knows nothing of the CLI: core parses arguments and prints. */
export interface ModuleCommandContext<Config> {
  /** The command word (`pins`). */
  readonly command: string;
  /** The positional arguments after the command word (`['update']`). */
  readonly args: readonly string[];
  /** The whole usage line, for a usage error: `scoped-mcp pins update --manifest PATH [--modules-from DIR]`. */
  readonly usage: string;
  /** This module's instances in the manifest, in manifest order. */
  readonly instances: readonly CommandInstance<Config>[];
  /** This module's instances that could not be loaded or initialised (bad config, missing credentials). */
  readonly unavailable: readonly { readonly key: string; readonly error: string }[];
  /**
   * The agent named by AGENT_ID / AGENT_TYPE when they are set; otherwise a stand-in whose id is the
   * command word and whose type is the manifest's agent_type.
   */
  readonly agent: AgentIdentity;
  readonly manifestPath: string;
  readonly manifestDir: string;
  /** Resolves a config path relative to the manifest's directory (absolute paths are returned as is). */
  resolvePath(path: string): string;
  /** The manifest's limits, as a server start would give them to `setup`. */
  readonly limits: CoreLimits;
  /** The ops log (stderr unless `--ops-log`), warnings and above. */
  readonly log: ModuleLogger;
  /** A line of the command's output (stdout), with every credential value of the manifest redacted. */
  out(text: string): void;
  /** A line for stderr, redacted the same way. */
  err(text: string): void;
}

export const MODULE_BRAND: unique symbol = Symbol.for('scoped-mcp.module') as never;

/** A module as the loader sees it: a plain branded object (not a class, so copies of core interoperate). */
export interface ScopedMcpModule<ConfigSchema extends z.ZodType = z.ZodType, State = unknown>
  extends ModuleDefinition<ConfigSchema, State> {
  readonly [MODULE_BRAND]: 1;
}
