import type { ManifestInput } from './manifest-schema.js';
import type {
  ArgumentFilterRule,
  CredentialsConfig,
  HitlConfig,
  HitlNotifyConfig,
  Manifest,
  ModuleEntry,
  ResponseFilterRule,
  StateBackendConfig,
} from './manifest-types.js';
import { splitLeadingIgnoreCase } from './filter-pattern.js';

type Input = ManifestInput;

const DEFAULT_ENTRY: ModuleEntry = Object.freeze({
  mode: null,
  type: null,
  config: Object.freeze({}),
  optional: false,
  dependency_wait_timeout_seconds: 30,
  dependency_wait_interval_seconds: 1,
});

/** Turns the validated manifest into its runtime shape: nulls dropped, aliases resolved, defaults settled. */
export function normaliseManifest(input: Input): Manifest {
  const responseFilters = input.response_filters ?? input.audit?.response_filters ?? undefined;
  return {
    agent_type: input.agent_type,
    description: input.description ?? '',
    modules: Object.fromEntries(
      Object.entries(input.modules).map(([key, entry]) => [key, moduleEntry(entry)]),
    ),
    credentials: credentials(input.credentials),
    state_backend: stateBackend(input.state_backend),
    ...defined(
      'rate_limits',
      input.rate_limits && {
        ...defined('global', input.rate_limits.global ?? undefined),
        per_tool: input.rate_limits.per_tool,
      },
    ),
    ...defined('argument_filters', input.argument_filters?.map(argumentFilter)),
    ...defined('response_filters', responseFilters?.map(responseFilter)),
    ...defined('hitl', input.hitl ? hitl(input.hitl) : undefined),
    ...defined(
      'audit',
      input.audit && {
        agent_bus_emit: input.audit.agent_bus_emit,
        ...defined('agent_bus_comms_dir', input.audit.agent_bus_comms_dir ?? undefined),
        log_args: input.audit.log_args,
        otel_service_name: input.audit.otel_service_name,
      },
    ),
    ...defined('max_auto_risk', input.max_auto_risk ?? undefined),
    ...defined('interaction_permissions', input.interaction_permissions ?? undefined),
    ...defined('workspace_access', input.workspace_access ?? undefined),
  };
}

/** Spreads `{ [key]: value }` only when value is present, so absent blocks stay absent (not `undefined` keys). */
function defined<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return value === undefined || value === null ? {} : ({ [key]: value } as { [P in K]?: V });
}

function moduleEntry(entry: Input['modules'][string]): ModuleEntry {
  if (entry === null) return DEFAULT_ENTRY;
  return {
    mode: entry.mode === '' ? null : entry.mode,
    type: entry.type,
    config: entry.config ?? {},
    optional: entry.optional,
    dependency_wait_timeout_seconds: entry.dependency_wait_timeout_seconds,
    dependency_wait_interval_seconds: entry.dependency_wait_interval_seconds,
  };
}

function credentials(input: Input['credentials']): CredentialsConfig {
  const strict = input?.strict_permissions ?? true;
  if (input?.source === 'file' && input.path != null) {
    return { source: 'file', path: input.path, strict_permissions: strict };
  }
  if (input?.source === 'vault' && input.vault != null) {
    return { source: 'vault', vault: input.vault, strict_permissions: strict };
  }
  return { source: 'env', strict_permissions: strict };
}

function stateBackend(input: Input['state_backend']): StateBackendConfig {
  const prefix = defined('key_prefix', input?.key_prefix ?? undefined);
  if (input && input.type !== 'in_process' && input.url != null)
    return { type: 'redis', url: input.url, ...prefix };
  return { type: 'in_process', ...prefix };
}

function argumentFilter(rule: NonNullable<Input['argument_filters']>[number]): ArgumentFilterRule {
  const split = splitLeadingIgnoreCase(rule.pattern);
  return {
    ...rule,
    pattern: split.pattern,
    case_insensitive: rule.case_insensitive || split.caseInsensitive,
  };
}

function responseFilter(rule: NonNullable<Input['response_filters']>[number]): ResponseFilterRule {
  const split = splitLeadingIgnoreCase(rule.pattern);
  return {
    ...rule,
    pattern: split.pattern,
    case_insensitive: rule.case_insensitive || split.caseInsensitive,
  };
}

function hitl(input: NonNullable<Input['hitl']>): HitlConfig {
  return {
    approval_required: input.approval_required,
    shadow: input.shadow,
    timeout_seconds: input.timeout_seconds,
    notify: notify(input.notify),
    mode: input.mode,
    signing: {
      mode: input.signing.mode,
      ...defined('public_key_path', input.signing.public_key_path ?? undefined),
      ...defined('approve_command', input.signing.approve_command ?? undefined),
    },
  };
}

function notify(input: NonNullable<Input['hitl']>['notify']): HitlNotifyConfig {
  switch (input.type) {
    case 'ntfy':
      return { type: 'ntfy', topic: input.topic ?? '', ...defined('url', input.url ?? undefined) };
    case 'webhook':
      return { type: 'webhook', url: input.url ?? '' };
    case 'matrix':
      return { type: 'matrix', room: input.room ?? '' };
    default:
      return { type: 'log' };
  }
}
