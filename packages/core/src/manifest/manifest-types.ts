// The manifest after validation and normalisation: defaults filled, reference aliases resolved
// (`dragonfly` → `redis`, `audit.response_filters` → `response_filters`, a leading `(?i)` → case_insensitive).

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

export type DecodeStep = 'base64' | 'urlsafe_base64' | 'url';

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
  | { readonly type: 'matrix'; readonly room: string };

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
}

export interface AuditConfig {
  readonly agent_bus_emit: boolean;
  readonly agent_bus_comms_dir?: string;
  readonly log_args: boolean;
  readonly otel_service_name: string;
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
