import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { z } from 'zod';
import { AGENT_TYPE_PATTERN } from '../identity/agent-identity.js';
import type { CoreLimits } from '../module/types.js';
import { DEFAULT_MAX_JSON_DEPTH } from '../shared/json-depth.js';
import { DECODE_STEPS, type DecodeStep, filterPatternProblem } from '../shared/filter-decode.js';

/**
 * What a manifest may contain. First its runtime shape (`Manifest`): the manifest after validation and
 * normalisation, defaults filled, reference aliases resolved (`dragonfly` → `redis`,
 * `audit.response_filters` → `response_filters`, a leading `(?i)` → case_insensitive). Then the zod schema
 * of the manifest as written (`manifestInputSchema`), block by block; load.ts turns one into the other.
 */

export type ModuleMode = 'read' | 'write';

export interface ModuleEntry {
  /** `read` registers read tools only; `write` or null registers all. */
  readonly mode: ModuleMode | null;
  /** Module to load; null means the manifest key names it (see `moduleTypeOf`). */
  readonly type: string | null;
  /** Validated later by the module's own config schema. */
  readonly config: Readonly<Record<string, unknown>>;
  readonly optional: boolean;
  readonly dependency_wait_timeout_seconds: number;
  readonly dependency_wait_interval_seconds: number;
}

export interface VaultConfig {
  readonly addr: string;
  readonly auth: 'approle';
  readonly role_id_env: string;
  readonly secret_id_env: string;
  /** May contain `{agent_type}`. */
  readonly path: string;
  readonly kv_version: 1 | 2;
}

export type CredentialsConfig =
  | { readonly source: 'env'; readonly strict_permissions: boolean }
  | { readonly source: 'file'; readonly path: string; readonly strict_permissions: boolean }
  | { readonly source: 'vault'; readonly vault: VaultConfig; readonly strict_permissions: boolean };

export type StateBackendConfig =
  | { readonly type: 'in_process'; readonly key_prefix?: string }
  /** Any Redis-protocol server (Redis, Valkey, Dragonfly); the reference's `dragonfly` arrives here. */
  | { readonly type: 'redis'; readonly url: string; readonly key_prefix?: string };

/** `<N>/second|minute|hour`. */
export type RateSpec = string;

export interface RateLimitsConfig {
  readonly global?: RateSpec;
  /** Glob → spec, in manifest order; the first pattern matching a tool applies. */
  readonly per_tool: Readonly<Record<string, RateSpec>>;
}

export interface ArgumentFilterRule {
  readonly name: string;
  /** A JavaScript RegExp source (a leading Python `(?i)` is already turned into `case_insensitive`). */
  readonly pattern: string;
  readonly fields: readonly string[];
  readonly action: 'block' | 'warn';
  readonly decode: readonly DecodeStep[];
  readonly case_insensitive: boolean;
}

export interface ResponseFilterRule {
  readonly name: string;
  readonly pattern: string;
  readonly action: 'block' | 'warn' | 'redact';
  readonly decode: readonly DecodeStep[];
  readonly case_insensitive: boolean;
}

export type HitlNotifyConfig =
  | { readonly type: 'log' }
  | { readonly type: 'ntfy'; readonly topic: string; readonly url?: string }
  | { readonly type: 'webhook'; readonly url: string }
  | { readonly type: 'matrix'; readonly room: string }
  | { readonly type: 'slack_webhook' | 'discord_webhook'; readonly url?: string };

export interface HitlSigningConfig {
  readonly mode: 'off' | 'observe' | 'enforce';
  readonly public_key_path?: string;
  readonly approve_command?: string;
}

export interface HitlConfig {
  readonly approval_required: readonly string[];
  readonly shadow: readonly string[];
  readonly timeout_seconds: number;
  readonly notify: HitlNotifyConfig;
  readonly mode: 'enforce' | 'interactive';
  readonly signing: HitlSigningConfig;
  /** Largest canonical JSON of a gated call's arguments an operator is asked to approve (bytes). */
  readonly max_argument_bytes: number;
}

export interface AuditConfig {
  readonly agent_bus_emit: boolean;
  readonly agent_bus_comms_dir?: string;
  readonly log_args: boolean;
  readonly otel_service_name: string;
  /** Credential key (in `credentials:`'s source) of the key that HMACs the audit chain. */
  readonly chain_key?: string | null;
  /** The chain's head goes to the ops log and the health file every this many lines (0: at shutdown only). */
  readonly head_every_lines: number;
  /** The most of a call's arguments (JSON characters) one audit line records. */
  readonly max_args_bytes: number;
}

export interface InteractionPermissions {
  readonly auto_approved: readonly string[];
  readonly needs_approval: readonly string[];
}

export interface WorkspaceAccessEntry {
  readonly path: string;
  readonly access: 'readonly' | 'readwrite';
  readonly git_backed: boolean;
  readonly branch_required: boolean;
}

export interface Manifest {
  readonly agent_type: string;
  readonly description: string;
  readonly modules: Readonly<Record<string, ModuleEntry>>;
  readonly credentials: CredentialsConfig;
  readonly state_backend: StateBackendConfig;
  /** The server's own limits, defaults filled (modules see them as `ctx.limits`). */
  readonly limits: CoreLimits;
  /** Present (even empty) means the rate-limit middleware is on. */
  readonly rate_limits?: RateLimitsConfig;
  readonly argument_filters?: readonly ArgumentFilterRule[];
  readonly response_filters?: readonly ResponseFilterRule[];
  readonly hitl?: HitlConfig;
  readonly audit?: AuditConfig;
  /** Platform metadata: validated and kept, not acted on. */
  readonly max_auto_risk?: string;
  readonly interaction_permissions?: InteractionPermissions;
  readonly workspace_access?: readonly WorkspaceAccessEntry[];
}

/**
 * The limits a manifest without `limits:` gets. Each bounds what one client can make the process hold:
 * messages of at most `max_message_bytes` are read; at most `max_calls_in_flight` calls run while their
 * answers are being written and at most `max_queued_calls` wait; arguments nest at most
 * `max_argument_depth` levels, the depth HITL's canonical JSON follows.
 */
export const DEFAULT_LIMITS: CoreLimits = Object.freeze({
  max_message_bytes: STDIO_DEFAULT_MAX_BUFFER_SIZE,
  max_calls_in_flight: 16,
  max_queued_calls: 64,
  max_argument_depth: DEFAULT_MAX_JSON_DEPTH,
});

/** The module an entry loads: its `type:`, else the manifest key (as in the reference). */
export function moduleTypeOf(key: string, entry: Pick<ModuleEntry, 'type'>): string {
  return entry.type ?? key;
}

// Custom messages everywhere a default could be unclear; none of them quotes the input (it may be a secret
// that `${VAR}` substitution put into the manifest).

export const RATE_SPEC_PATTERN = /^\d+\/(second|minute|hour)$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HTTP_URL_PATTERN = /^https?:\/\/[^\s/?#]+/i;

const rateSpec = z
  .string()
  .regex(RATE_SPEC_PATTERN, { error: "must be '<N>/second|minute|hour'" })
  .describe('A rate such as 60/minute: <N>/second, <N>/minute or <N>/hour.');

const nonEmptyString = z.string().min(1, { error: 'must not be empty' });

/** Tool-name globs (`*`, `?`, `[seq]`), matched against exposed names such as `filesystem_write_file`. */
const globList = z.array(nonEmptyString).default([]);

const envName = z
  .string()
  .regex(ENV_NAME_PATTERN, { error: 'must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)' });

const httpUrl = z.string().regex(HTTP_URL_PATTERN, { error: 'must be an http:// or https:// URL' });

const filterPattern = z
  .string()
  .superRefine((pattern, ctx) => {
    const problem = filterPatternProblem(pattern);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('A regular expression (JavaScript syntax; a leading Python-style (?i) is accepted).');

const decodeSteps = z.array(z.enum(DECODE_STEPS)).default([]);

/** A manifest key prefixes every tool name of its instance, so it must be a valid MCP tool-name prefix. */
export const MODULE_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const moduleKey = z.string().regex(MODULE_KEY_PATTERN, {
  error:
    'must be 1-64 characters of A-Z, a-z, 0-9, _ and -, starting with a letter or digit (it prefixes tool names)',
});

const moduleEntrySchema = z
  .strictObject({
    // `""` is accepted and means "no mode" (reference behaviour).
    mode: z
      .enum(['read', 'write', ''])
      .nullable()
      .default(null)
      .describe('read: read tools only; write or unset: all tools.'),
    type: nonEmptyString
      .nullable()
      .default(null)
      .describe('Module to load (default: the key), e.g. sqlite, @acme/redis, ./my-module.mjs.'),
    config: z
      .record(z.string(), z.unknown())
      .nullable()
      .default({})
      .describe("Module settings, validated by the module's own schema."),
    optional: z
      .boolean()
      .default(false)
      .describe('A failure of this module does not make the agent unhealthy.'),
    dependency_wait_timeout_seconds: z.number().default(30),
    dependency_wait_interval_seconds: z.number().positive({ error: 'must be > 0' }).default(1),
  })
  // `ntfy:` with nothing under it is an entry with all defaults.
  .nullable();

const modulesSchema = z
  .record(moduleKey, moduleEntrySchema)
  .refine((modules) => Object.keys(modules).length > 0, { error: 'must declare at least one module' })
  .describe('Module instances by key; the key prefixes the tool names (<key>_<tool>).');

const vaultSchema = z.strictObject({
  addr: httpUrl,
  auth: z.literal('approle').default('approle'),
  role_id_env: envName.default('VAULT_ROLE_ID'),
  secret_id_env: envName.default('VAULT_SECRET_ID'),
  path: nonEmptyString
    .refine((path) => !path.split('/').includes('..'), { error: "must not contain '..'" })
    .describe('KV path; {agent_type} is replaced by AGENT_TYPE.'),
  kv_version: z.literal([1, 2]).default(2),
});

const credentialsSchema = z
  .strictObject({
    source: z.enum(['env', 'file', 'vault']).default('env'),
    path: nonEmptyString
      .nullish()
      .describe('Secrets file (source: file), relative to the manifest directory.'),
    vault: vaultSchema.nullish(),
    strict_permissions: z.boolean().default(true),
  })
  .superRefine((credentials, ctx) => {
    if (credentials.source === 'file' && credentials.path == null) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: "required when source is 'file'" });
    }
    if (credentials.source === 'vault' && credentials.vault == null) {
      ctx.addIssue({ code: 'custom', path: ['vault'], message: "required when source is 'vault'" });
    }
  });

const stateBackendSchema = z
  .strictObject({
    // `dragonfly` is the reference's name; any Redis-protocol server works and it means the same as `redis`.
    type: z.enum(['in_process', 'redis', 'dragonfly']).default('in_process'),
    url: nonEmptyString
      .nullish()
      .describe('redis://[:password@]host:port/db; quote it when it holds a substituted variable.'),
    key_prefix: z
      .string()
      .regex(/^[A-Za-z0-9_:.-]{1,64}$/, { error: 'must be 1-64 characters of A-Z, a-z, 0-9, _, :, . and -' })
      .nullish(),
  })
  .superRefine((backend, ctx) => {
    if (backend.type !== 'in_process' && backend.url == null) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `required when type is '${backend.type}'` });
    }
  });

const rateLimitsSchema = z.strictObject({
  global: rateSpec.nullish().describe('Limit over all tools together.'),
  per_tool: z
    .record(nonEmptyString, rateSpec)
    .default({})
    .describe('Tool-name glob → rate; the first matching pattern applies, and its tools share one window.'),
});

const argumentFilterSchema = z.strictObject({
  name: nonEmptyString,
  pattern: filterPattern,
  fields: z
    .array(nonEmptyString)
    .min(1, { error: "must not be empty (use ['*'] for every argument)" })
    .default(['*'])
    .describe("Top-level argument names to inspect; '*' = all string arguments."),
  action: z.enum(['block', 'warn']).default('block'),
  decode: decodeSteps,
  case_insensitive: z.boolean().default(false),
});

const responseFilterSchema = z.strictObject({
  name: nonEmptyString,
  pattern: filterPattern,
  action: z.enum(['block', 'warn', 'redact']).default('warn'),
  decode: decodeSteps,
  case_insensitive: z.boolean().default(false),
});

/** Rule names identify a rule in audit lines, so two rules of one list may not share one. */
function uniqueRuleNames<T extends { readonly name: string }>(rules: z.ZodType<T[]>) {
  return rules.superRefine((list, ctx) => {
    const first = new Map<string, number>();
    list.forEach((rule, index) => {
      const earlier = first.get(rule.name);
      if (earlier === undefined) first.set(rule.name, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `duplicate rule name (also used by rule ${earlier})`,
        });
    });
  });
}

const argumentFiltersSchema = uniqueRuleNames(z.array(argumentFilterSchema));
const responseFiltersSchema = uniqueRuleNames(z.array(responseFilterSchema));

const NTFY_TOPIC_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const MATRIX_ROOM_PATTERN = /^[!#][A-Za-z0-9._=/+-]+:[A-Za-z0-9.-]+$/;

/** The field each type needs; Slack and Discord take their URL from `url` or their credential variable. */
const REQUIRED_FIELD = {
  ntfy: 'topic',
  webhook: 'url',
  matrix: 'room',
  slack_webhook: undefined,
  discord_webhook: undefined,
} as const;

const notifySchema = z
  .strictObject({
    type: z.enum(['log', 'ntfy', 'webhook', 'matrix', 'slack_webhook', 'discord_webhook']).default('log'),
    url: httpUrl.nullish(),
    topic: z
      .string()
      .regex(NTFY_TOPIC_PATTERN, { error: 'must be 1-64 characters of A-Z, a-z, 0-9, _ and -' })
      .nullish(),
    room: z
      .string()
      .regex(MATRIX_ROOM_PATTERN, { error: "must be a Matrix room id or alias such as '!abc:example.org'" })
      .nullish(),
  })
  .superRefine((notify, ctx) => {
    if (notify.type === 'log') return;
    const field = REQUIRED_FIELD[notify.type];
    if (field !== undefined && notify[field] == null) {
      ctx.addIssue({ code: 'custom', path: [field], message: `required when type is '${notify.type}'` });
    }
  });

const KIB = 1024;
const MIB = 1024 * KIB;

/** A whole number within bounds, with a message that states them. */
function boundedInt(min: number, max: number) {
  const bounds = `a whole number from ${min} to ${max}`;
  return z
    .number({ error: `must be ${bounds}` })
    .int({ error: `must be ${bounds}` })
    .min(min, { error: `must be ${bounds}` })
    .max(max, { error: `must be ${bounds}` });
}

const limitsSchema = z.strictObject({
  max_message_bytes: boundedInt(64 * KIB, 256 * MIB)
    .default(DEFAULT_LIMITS.max_message_bytes)
    .describe(
      'Longest message read from the client, in bytes (default 10 MiB, the MCP SDK limit). A longer request is answered with a JSON-RPC error (-32600) and the connection stays open.',
    ),
  max_calls_in_flight: boundedInt(1, 1024)
    .default(DEFAULT_LIMITS.max_calls_in_flight)
    .describe(
      "Tool calls running at once (default 16). A call keeps its slot until its answer is written and stdout has drained, so a client that stops reading holds new calls back instead of filling the server's memory.",
    ),
  max_queued_calls: boundedInt(0, 10_000)
    .default(DEFAULT_LIMITS.max_queued_calls)
    .describe(
      'Tool calls waiting for a slot, in arrival order (default 64). Beyond it a call is refused at once with SMCP_SERVER_BUSY.',
    ),
  max_argument_depth: boundedInt(1, 1000)
    .default(DEFAULT_LIMITS.max_argument_depth)
    .describe(
      "How deep a call's arguments may nest, objects and arrays, the arguments object counted (default 64). A deeper call is refused before any check or tool sees it.",
    ),
});

const signingSchema = z
  .strictObject({
    mode: z.enum(['off', 'observe', 'enforce']).default('off'),
    public_key_path: nonEmptyString.nullish().describe('Ed25519 public key (PEM) of the approver.'),
    approve_command: nonEmptyString.nullish(),
  })
  .superRefine((signing, ctx) => {
    if (signing.mode !== 'off' && signing.public_key_path == null) {
      ctx.addIssue({
        code: 'custom',
        path: ['public_key_path'],
        message: `required when mode is '${signing.mode}'`,
      });
    }
  });

const hitlSchema = z.strictObject({
  approval_required: globList.describe('Tool-name globs that need operator approval.'),
  shadow: globList.describe('Tool-name globs answered with a synthetic success, never executed.'),
  timeout_seconds: z
    .number()
    .int({ error: 'must be a whole number of seconds' })
    .positive({ error: 'must be > 0' })
    .default(300),
  notify: notifySchema.default({ type: 'log' }),
  mode: z.enum(['enforce', 'interactive']).default('enforce'),
  signing: signingSchema.default({ mode: 'off' }),
  max_argument_bytes: z
    .number()
    .int({ error: 'must be a whole number of bytes' })
    .min(1, { error: 'must be >= 1' })
    .max(16 * 1024 * 1024, { error: 'must be <= 16777216 (16 MiB)' })
    .default(64 * 1024)
    .describe(
      'Largest arguments (canonical JSON, bytes) of a call that needs approval; larger calls are refused, since an operator could not review them in full.',
    ),
});

const auditSchema = z
  .strictObject({
    agent_bus_emit: z.boolean().default(false),
    agent_bus_comms_dir: nonEmptyString.nullish(),
    log_args: z.boolean().default(true).describe('false: audit lines carry no tool arguments.'),
    otel_service_name: nonEmptyString.default('scoped-mcp'),
    chain_key: nonEmptyString
      .nullish()
      .describe(
        'Credential key whose value (at least 32 bytes) keys the audit hash chain (HMAC-SHA256); verify with `scoped-mcp audit verify --key-env`.',
      ),
    head_every_lines: z
      .number()
      .int({ error: 'must be a whole number of lines' })
      .min(0, { error: 'must be >= 0' })
      .default(1000)
      .describe(
        'The audit chain head goes to the ops log (`audit_head`) and the health file every this many lines, and at shutdown; 0: at shutdown only.',
      ),
    max_args_bytes: z
      .number()
      .int({ error: 'must be a whole number of bytes' })
      .min(256, { error: 'must be >= 256' })
      .max(16 * 1024 * 1024, { error: 'must be <= 16777216 (16 MiB)' })
      .default(16 * 1024)
      .describe(
        "The most of a call's arguments (JSON text) one audit line records; larger arguments are cut.",
      ),
    // Where the reference documented them; moved to the top-level `response_filters` on load.
    response_filters: responseFiltersSchema.nullish(),
  })
  .superRefine((audit, ctx) => {
    if (audit.agent_bus_emit && audit.agent_bus_comms_dir == null) {
      ctx.addIssue({
        code: 'custom',
        path: ['agent_bus_comms_dir'],
        message: 'required when agent_bus_emit is true',
      });
    }
  });

// Fields agent platforms attach to manifests. Validated (so a typo still fails) and kept; never acted on.

const interactionPermissionsSchema = z.strictObject({
  auto_approved: z.array(z.string()).default([]),
  needs_approval: z.array(z.string()).default([]),
});

const workspaceAccessEntrySchema = z.strictObject({
  path: nonEmptyString,
  access: z.enum(['readonly', 'readwrite']),
  git_backed: z.boolean().default(false),
  branch_required: z.boolean().default(false),
});

/**
 * The manifest as written: every object strict (an unknown key anywhere is an error — a misspelt guardrail
 * must not be silently ignored), defaults filled. Its JSON Schema is what editors validate against.
 */
export const manifestInputSchema = z
  .strictObject({
    agent_type: z
      .string()
      .regex(AGENT_TYPE_PATTERN, {
        error: 'must be 1-63 characters of a-z, 0-9, _ and -, starting with a letter or digit',
      })
      .describe('Agent role this manifest is for, e.g. research.'),
    description: z.string().nullish(),
    modules: modulesSchema,
    credentials: credentialsSchema.nullable().default({ source: 'env', strict_permissions: true }),
    state_backend: stateBackendSchema.nullable().default({ type: 'in_process' }),
    limits: limitsSchema
      .nullable()
      .default(DEFAULT_LIMITS)
      .describe("The server's own bounds: message size, calls in flight and queued, argument depth."),
    rate_limits: rateLimitsSchema.nullish(),
    argument_filters: argumentFiltersSchema.nullish(),
    response_filters: responseFiltersSchema.nullish(),
    hitl: hitlSchema.nullish(),
    audit: auditSchema.nullish(),
    max_auto_risk: z.string().nullish(),
    interaction_permissions: interactionPermissionsSchema.nullish(),
    workspace_access: z.array(workspaceAccessEntrySchema).nullish(),
  })
  .superRefine((manifest, ctx) => {
    const approval = manifest.hitl?.approval_required ?? [];
    if (approval.length > 0 && (manifest.state_backend?.type ?? 'in_process') === 'in_process') {
      ctx.addIssue({
        code: 'custom',
        path: ['hitl', 'approval_required'],
        message:
          "needs a shared state backend (state_backend.type: redis), because 'scoped-mcp hitl approve' runs in another process",
      });
    }
    if (manifest.audit?.response_filters != null && manifest.response_filters != null) {
      ctx.addIssue({
        code: 'custom',
        path: ['audit', 'response_filters'],
        message: 'cannot be used together with the top-level response_filters; move these rules there',
      });
    }
  });

export type ManifestInput = z.output<typeof manifestInputSchema>;
