import { type ApprovalRequest, ERRORS, type ErrorCodeValue, type RateLimitRefusal } from './codes.js';

// Every error class of core, one per concept of codes.ts. Messages are written for their reader: startup
// errors for the operator (what, where, how to fix it; never a secret value), tool errors for the agent
// (one line, no secret, no host path outside the agent's scope).

const BRAND = Symbol.for('scoped-mcp.error');

/** The machine-readable part of an error the agent receives, in the result's `_meta` (see error-meta.ts). */
export interface ErrorDetails {
  /** When a retry can succeed (rate limits, an upstream that is restarting). */
  readonly retry_after_ms?: number;
  /** The approval the operator is asked for (HITL). */
  readonly approval_id?: string;
  /** The configured cap that refused the call: its name in the config and its value. */
  readonly limit?: { readonly name: string; readonly value: number };
  /** The reference of an unexpected failure in the operator's log. */
  readonly ref?: string;
}

export interface ScopedMcpErrorOptions {
  readonly cause?: unknown;
  readonly details?: ErrorDetails;
}

const NO_DETAILS: ErrorDetails = Object.freeze({});

/**
 * Base of every error scoped-mcp raises on purpose. Branded with Symbol.for so a module bundling its own
 * copy of core is still recognised.
 */
export class ScopedMcpError extends Error {
  readonly code: ErrorCodeValue;
  readonly details: ErrorDetails;
  readonly [BRAND] = true;

  constructor(code: ErrorCodeValue, message: string, options: ScopedMcpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ScopedMcpError';
    this.code = code;
    this.details = options.details ? Object.freeze({ ...options.details }) : NO_DETAILS;
  }
}

export function isScopedMcpError(value: unknown): value is ScopedMcpError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** AGENT_ID / AGENT_TYPE missing or malformed. */
export class IdentityError extends ScopedMcpError {
  constructor(code: 'SMCP_IDENTITY_MISSING' | 'SMCP_IDENTITY_INVALID', message: string) {
    super(code, message);
    this.name = 'IdentityError';
  }
}

/**
 * Any reason a manifest cannot be used. `issues` holds one human-readable line per problem (field path and
 * what is wrong); neither the issues nor the message ever quote a value from the file, because values may be
 * secrets that `${VAR}` substitution put there.
 */
export class ManifestError extends ScopedMcpError {
  readonly file: string;
  readonly issues: readonly string[];

  constructor(
    code:
      | 'SMCP_MANIFEST_NOT_FOUND'
      | 'SMCP_MANIFEST_SYNTAX'
      | 'SMCP_MANIFEST_INVALID'
      | 'SMCP_MANIFEST_UNDEFINED_VARIABLE',
    file: string,
    issues: readonly string[],
    message: string = ERRORS.SMCP_MANIFEST_INVALID.message(file, issues),
  ) {
    super(code, message);
    this.name = 'ManifestError';
    this.file = file;
    this.issues = Object.freeze([...issues]);
  }
}

export type LoadFailureKind = 'not_found' | 'incompatible' | 'invalid' | 'import_failed';

const LOADER_CODES = {
  not_found: 'SMCP_LOADER_NOT_FOUND',
  incompatible: 'SMCP_LOADER_INCOMPATIBLE',
  invalid: 'SMCP_LOADER_INVALID',
  import_failed: 'SMCP_LOADER_IMPORT_FAILED',
} as const satisfies Record<LoadFailureKind, ErrorCodeValue>;

/**
 * A plugin package that could not be loaded. The loader returns it rather than throwing it: the caller
 * decides what the failure means (startup collects them; an import that throws is isolated).
 */
export class PluginLoadError extends ScopedMcpError {
  readonly kind: LoadFailureKind;

  /** `message` is for people: what is wrong, where the loader looked, what to run. */
  constructor(kind: LoadFailureKind, message: string) {
    super(LOADER_CODES[kind], message);
    this.name = 'PluginLoadError';
    this.kind = kind;
  }
}

/** A module's definition breaks the contract (names, modes, commands); thrown when the module is imported. */
export class ModuleDefinitionError extends ScopedMcpError {
  constructor(message: string) {
    super('SMCP_MODULE_DEFINITION', message);
    this.name = 'ModuleDefinitionError';
  }
}

/** A module's config cannot be used (found at setup, beyond what its schema checks); for the operator. */
export class ModuleConfigError extends ScopedMcpError {
  constructor(message: string) {
    super('SMCP_MODULE_CONFIG_INVALID', message);
    this.name = 'ModuleConfigError';
  }
}

/** A credential a module needs is missing, or the credential source cannot be read. */
export class CredentialsError extends ScopedMcpError {
  constructor(code: 'SMCP_CREDENTIALS_MISSING' | 'SMCP_CREDENTIALS_SOURCE', message: string) {
    super(code, message);
    this.name = 'CredentialsError';
  }
}

/** The state backend failed while a guardrail needed it; the call is refused, never waved through. */
export class StateUnavailableError extends ScopedMcpError {
  /** `approval`: HITL could not read or write an approval. */
  constructor(during: 'call' | 'approval' = 'call') {
    // The backend's own error stays out of the chain: it may name hosts, and the agent only needs to know it was refused.
    super('SMCP_STATE_UNAVAILABLE', ERRORS.SMCP_STATE_UNAVAILABLE.message(during));
    this.name = 'StateUnavailableError';
  }
}

/**
 * A state backend's own failure, for the operator (the agent sees StateUnavailableError). Backends throw it,
 * or a subclass (`RedisStateError`); the message never holds a password.
 */
export class StateBackendError extends ScopedMcpError {
  constructor(
    message: string,
    code: 'SMCP_STATE_BACKEND_FAILED' | 'SMCP_STATE_CONFIG_INVALID' = 'SMCP_STATE_BACKEND_FAILED',
  ) {
    super(code, message);
    this.name = 'StateBackendError';
  }
}

/**
 * An audit line could not be written (a full disk, a failed device, a log file locked away): the action
 * does not run, or, when the line after it failed, its result is withheld. The file system's error stays in
 * the chain for the operator's log: it names host paths.
 */
export class AuditUnavailableError extends ScopedMcpError {
  /** `ran`: the tool had already run when its closing audit line failed. */
  constructor(
    readonly ran: boolean,
    cause?: unknown,
  ) {
    super('SMCP_AUDIT_UNAVAILABLE', ERRORS.SMCP_AUDIT_UNAVAILABLE.message(ran), { cause });
    this.name = 'AuditUnavailableError';
  }
}

/** An attempt to reach outside the agent's scope. Audited as `scope_violation`. */
export class ScopeViolation extends ScopedMcpError {
  constructor(message: string) {
    super('SMCP_SCOPE_VIOLATION', message);
    this.name = 'ScopeViolation';
  }
}

export function isScopeViolation(value: unknown): value is ScopedMcpError {
  return isScopedMcpError(value) && value.code === 'SMCP_SCOPE_VIOLATION';
}

/**
 * Bad arguments the agent can fix; the message is shown to the agent as is. `limit` names the core limit
 * the arguments broke (`max_argument_depth`), when one did.
 */
export class ToolInputError extends ScopedMcpError {
  constructor(message: string, limit?: { readonly name: string; readonly value: number }) {
    super('SMCP_TOOL_INPUT', message, limit ? { details: { limit } } : {});
    this.name = 'ToolInputError';
  }
}

/** A backend failure whose message is safe to show the agent (no secret, no host path). */
export class ToolFailure extends ScopedMcpError {
  constructor(message: string, options?: ScopedMcpErrorOptions) {
    super('SMCP_TOOL_FAILED', message, options);
    this.name = 'ToolFailure';
  }
}

/**
 * What the agent gets for any other error: a reference into the operator's log, never the error's own
 * message, which may hold host paths or backend detail.
 */
export class UnexpectedFailure extends ScopedMcpError {
  constructor(tool: string, ref: string) {
    super('SMCP_TOOL_FAILED_UNEXPECTEDLY', ERRORS.SMCP_TOOL_FAILED_UNEXPECTEDLY.message(tool, ref), {
      details: { ref },
    });
    this.name = 'UnexpectedFailure';
  }
}

/** The agent called a tool this server does not offer it. */
export class ToolNotFoundError extends ScopedMcpError {
  constructor(tool: string) {
    super('SMCP_TOOL_NOT_FOUND', ERRORS.SMCP_TOOL_NOT_FOUND.message(tool));
    this.name = 'ToolNotFoundError';
  }
}

/** A handler's result does not match the tool's output schema: a bug for the operator's log. */
export class ToolOutputError extends ScopedMcpError {
  constructor(tool: string, issues: string) {
    super('SMCP_TOOL_OUTPUT_INVALID', ERRORS.SMCP_TOOL_OUTPUT_INVALID.message(tool, issues));
    this.name = 'ToolOutputError';
  }
}

/**
 * A configured cap (size, rows, time) was hit; the message says which and how to stay under it. `limit`
 * names the cap as the config does (`max_read_bytes`) with its value, for the agent's program.
 */
export class LimitExceededError extends ScopedMcpError {
  constructor(message: string, limit?: { readonly name: string; readonly value: number }) {
    super('SMCP_LIMIT_EXCEEDED', message, limit ? { details: { limit } } : {});
    this.name = 'LimitExceededError';
  }
}

/**
 * Every slot for calls in flight is taken and the queue behind them is full: the call is refused at once,
 * never run. `limit` names the queue; a retry succeeds once earlier calls have answered.
 */
export class ServerBusyError extends ScopedMcpError {
  constructor(inFlight: number, queued: number) {
    super('SMCP_SERVER_BUSY', ERRORS.SMCP_SERVER_BUSY.message(inFlight, queued), {
      details: { limit: { name: 'max_queued_calls', value: queued } },
    });
    this.name = 'ServerBusyError';
  }
}

/**
 * A message from the client longer than `limits.max_message_bytes`: never assembled nor parsed, answered
 * with a JSON-RPC error (`JSONRPC_CODE`, Invalid Request) when it was a request.
 */
export class MessageTooLargeError extends ScopedMcpError {
  /** The JSON-RPC error code of the answer: Invalid Request. */
  static readonly JSONRPC_CODE = -32_600;

  constructor(
    readonly bytes: number,
    limit: number,
  ) {
    super('SMCP_MESSAGE_TOO_LARGE', ERRORS.SMCP_MESSAGE_TOO_LARGE.message(bytes, limit), {
      details: { limit: { name: 'max_message_bytes', value: limit } },
    });
    this.name = 'MessageTooLargeError';
  }
}

/** A rate limit refused the call; the message tells the agent when a retry can succeed. */
export class RateLimitError extends ScopedMcpError {
  readonly retryAfterMs: number;

  constructor(refusal: RateLimitRefusal) {
    // A zero limit never frees a slot, so it carries no retry time.
    super(
      'SMCP_RATE_LIMITED',
      ERRORS.SMCP_RATE_LIMITED.message(refusal),
      refusal.limit === 0 ? {} : { details: { retry_after_ms: refusal.retryAfterMs } },
    );
    this.name = 'RateLimitError';
    this.retryAfterMs = refusal.retryAfterMs;
  }
}

/** An argument or response filter refused a call. */
export class PolicyError extends ScopedMcpError {
  constructor(tool: string, stage: 'argument' | 'response') {
    super('SMCP_POLICY_BLOCKED', ERRORS.SMCP_POLICY_BLOCKED.message(tool, stage));
    this.name = 'PolicyError';
  }
}

/** The agent's side of reject-then-wait: what to ask the operator, and how to come back. */
export class HitlApprovalRequired extends ScopedMcpError {
  readonly approvalId: string;

  constructor(request: ApprovalRequest) {
    super('SMCP_HITL_APPROVAL_REQUIRED', ERRORS.SMCP_HITL_APPROVAL_REQUIRED.message(request), {
      details: { approval_id: request.approvalId },
    });
    this.name = 'HitlApprovalRequired';
    this.approvalId = request.approvalId;
  }
}

/** The operator said no; reported on the first retry of the same call, then the call can be asked again. */
export class HitlRejected extends ScopedMcpError {
  constructor(tool: string, approvalId: string, reason?: string) {
    super('SMCP_HITL_REJECTED', ERRORS.SMCP_HITL_REJECTED.message(tool, approvalId, reason), {
      details: { approval_id: approvalId },
    });
    this.name = 'HitlRejected';
  }
}

/**
 * A notifier failure with a message safe for the audit log: a status or a failure class, never the URL
 * (a webhook URL is often the secret) and never a response body.
 */
export class NotifyError extends ScopedMcpError {
  constructor(message: string) {
    super('SMCP_HITL_NOTIFY_FAILED', message);
    this.name = 'NotifyError';
  }
}

export type UpstreamErrorCode =
  | 'SMCP_UPSTREAM_START_FAILED'
  | 'SMCP_UPSTREAM_TOOL_COLLISION'
  | 'SMCP_UPSTREAM_PIN_LOCK_INVALID'
  | 'SMCP_UPSTREAM_UNAVAILABLE'
  | 'SMCP_UPSTREAM_ERROR';

/** An upstream server behind a proxying module: it did not start, is not reachable, or answered wrongly. */
export class UpstreamError extends ScopedMcpError {
  constructor(code: UpstreamErrorCode, message: string, options?: ScopedMcpErrorOptions) {
    super(code, message, options);
    this.name = 'UpstreamError';
  }
}

/** Everything that stops startup, collected so the operator fixes all of it in one pass. */
export class StartupError extends ScopedMcpError {
  constructor(
    readonly problems: readonly string[],
    readonly file?: string,
  ) {
    super('SMCP_STARTUP_FAILED', ERRORS.SMCP_STARTUP_FAILED.message(problems, file));
    this.name = 'StartupError';
  }
}

/** A module's setup did not finish in time; the module is `failed_startup`, the others serve. */
export class SetupTimeoutError extends ScopedMcpError {
  constructor(ms: number) {
    super('SMCP_STARTUP_SETUP_TIMEOUT', ERRORS.SMCP_STARTUP_SETUP_TIMEOUT.message(ms));
    this.name = 'SetupTimeoutError';
  }
}
