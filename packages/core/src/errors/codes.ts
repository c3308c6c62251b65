// The one table of every error code scoped-mcp raises (fastify's lib/errors.js is the model): each code
// with the class that raises it and, where the message is built from parameters, its template. Codes are
// stable, `SMCP_<AREA>_<WHAT>`: agents, tests and docs match on them. docs/errors.md has one row per code
// (meaning, what to do), checked against this table by errors.test.ts.
//
// Modules raise core's codes only, through core's classes or subclasses of them (mcp_proxy's
// `UpstreamStartError` is an `UpstreamError`): the code tells the agent what it can do about an error
// (fix its input, retry later, ask the operator), which a closed table can document completely; what is
// particular to a module goes in the message.

/** What a rate limit refused, for the agent's message. */
export interface RateLimitRefusal {
  readonly limitType: 'global' | 'per_tool';
  readonly tool: string;
  readonly agentId: string;
  readonly limit: number;
  readonly windowSeconds: number;
  readonly retryAfterMs: number;
}

/** What the agent is told when HITL needs the operator. */
export interface ApprovalRequest {
  readonly tool: string;
  readonly approvalId: string;
  /** The command the operator runs to approve, in full: `scoped-mcp hitl --manifest <path> approve <id>`. */
  readonly approveCommand: string;
  /** How long the operator's approval stays usable. */
  readonly tokenTtlSeconds: number;
  /** The agent retried before the operator decided. */
  readonly stillPending?: boolean;
}

/** Rounded up to a tenth, so retrying at the stated time is never early. */
function seconds(ms: number): string {
  return (Math.ceil(ms / 100) / 10).toFixed(1);
}

function bulleted(lines: readonly string[]): string {
  return lines.map((line) => `  - ${line.replaceAll('\n', '\n    ')}`).join('\n');
}

export const ERRORS = {
  SMCP_IDENTITY_MISSING: { class: 'IdentityError' },
  SMCP_IDENTITY_INVALID: { class: 'IdentityError' },

  SMCP_MANIFEST_NOT_FOUND: { class: 'ManifestError' },
  SMCP_MANIFEST_SYNTAX: {
    class: 'ManifestError',
    message: (file: string, issues: readonly string[]) =>
      `Manifest '${file}' is not valid YAML:\n${bulleted(issues)}`,
  },
  SMCP_MANIFEST_INVALID: {
    class: 'ManifestError',
    message: (file: string, issues: readonly string[]) =>
      `Manifest '${file}' is invalid:\n${bulleted(issues)}`,
  },
  SMCP_MANIFEST_UNDEFINED_VARIABLE: {
    class: 'ManifestError',
    message: (file: string, names: readonly string[]) =>
      `Manifest '${file}' references undefined environment variable(s): ${names.join(', ')}`,
  },

  SMCP_LOADER_NOT_FOUND: { class: 'PluginLoadError' },
  SMCP_LOADER_INCOMPATIBLE: { class: 'PluginLoadError' },
  SMCP_LOADER_INVALID: { class: 'PluginLoadError' },
  SMCP_LOADER_IMPORT_FAILED: { class: 'PluginLoadError' },

  SMCP_MODULE_DEFINITION: { class: 'ModuleDefinitionError' },
  SMCP_MODULE_CONFIG_INVALID: { class: 'ModuleConfigError' },

  SMCP_CREDENTIALS_MISSING: { class: 'CredentialsError' },
  SMCP_CREDENTIALS_SOURCE: { class: 'CredentialsError' },

  SMCP_STATE_UNAVAILABLE: {
    class: 'StateUnavailableError',
    message: (during: 'call' | 'approval') =>
      during === 'approval'
        ? 'approval rejected: state backend unavailable'
        : 'state backend unavailable; the call was refused (fail closed)',
  },
  SMCP_STATE_BACKEND_FAILED: { class: 'StateBackendError' },
  SMCP_STATE_CONFIG_INVALID: { class: 'StateBackendError' },

  SMCP_SCOPE_VIOLATION: { class: 'ScopeViolation' },

  SMCP_AUDIT_UNAVAILABLE: {
    class: 'AuditUnavailableError',
    message: (ran: boolean) =>
      ran
        ? 'The call ran, but its audit line could not be written, so its result is withheld (fail closed). Tell the operator; do not retry until the audit log is writable again.'
        : 'The audit log cannot be written, so the call was refused and did not run (fail closed). Tell the operator; retry once the audit log is writable again.',
  },

  SMCP_TOOL_INPUT: { class: 'ToolInputError' },
  SMCP_TOOL_FAILED: { class: 'ToolFailure' },
  SMCP_TOOL_FAILED_UNEXPECTEDLY: {
    class: 'UnexpectedFailure',
    message: (tool: string, ref: string) =>
      `Tool '${tool}' failed unexpectedly (ref ${ref}); the operator's log has the details.`,
  },
  SMCP_TOOL_NOT_FOUND: {
    class: 'ToolNotFoundError',
    message: (tool: string) => `Unknown tool '${tool}'. Call tools/list for the tools this agent may use.`,
  },
  SMCP_TOOL_OUTPUT_INVALID: {
    class: 'ToolOutputError',
    message: (tool: string, issues: string) =>
      `tool '${tool}' returned a result that does not match its output schema: ${issues}`,
  },

  SMCP_LIMIT_EXCEEDED: { class: 'LimitExceededError' },
  SMCP_RATE_LIMITED: {
    class: 'RateLimitError',
    message: (r: RateLimitRefusal) => {
      const subject =
        r.limitType === 'global'
          ? `Rate limit exceeded for agent '${r.agentId}': global limit`
          : `Rate limit exceeded for tool '${r.tool}': limit`;
      const rate = `${r.limit}/${r.windowSeconds}s`;
      // A zero limit never frees a slot: a retry hint would send the agent into a loop.
      if (r.limit === 0) return `${subject} ${rate} (calls are disabled by the manifest; do not retry).`;
      return `${subject} ${rate}. Retry in ${seconds(r.retryAfterMs)} s.`;
    },
  },
  SMCP_SERVER_BUSY: {
    class: 'ServerBusyError',
    message: (inFlight: number, queued: number) =>
      `Server busy: ${inFlight} calls are running and ${queued} are waiting (limits.max_calls_in_flight, ` +
      'limits.max_queued_calls). Retry once one of your earlier calls has answered.',
  },
  SMCP_MESSAGE_TOO_LARGE: {
    class: 'MessageTooLargeError',
    message: (bytes: number, limit: number) =>
      `Message of ${bytes} bytes is larger than this server reads (limits.max_message_bytes: ${limit}); it was dropped unread.`,
  },
  SMCP_POLICY_BLOCKED: {
    class: 'PolicyError',
    // Names the tool only: naming the rule, the field or the matched text would teach the agent how to
    // get around the filter.
    message: (tool: string, stage: 'argument' | 'response') =>
      stage === 'argument'
        ? `tool call to '${tool}' blocked by argument filter policy`
        : `tool response from '${tool}' blocked by response filter policy`,
  },

  SMCP_HITL_APPROVAL_REQUIRED: {
    class: 'HitlApprovalRequired',
    message: (r: ApprovalRequest) =>
      `Tool call to '${r.tool}' ${r.stillPending ? 'is still waiting for' : 'requires'} operator approval (approval ID: ${r.approvalId}). ` +
      `Ask the operator to run: ${r.approveCommand} — then retry this exact tool call ` +
      `with the same arguments within ${r.tokenTtlSeconds} seconds.`,
  },
  SMCP_HITL_REJECTED: {
    class: 'HitlRejected',
    message: (tool: string, approvalId: string, reason?: string) =>
      `Tool call to '${tool}' was rejected by the operator (approval ID: ${approvalId})` +
      (reason ? `: ${reason}` : '.'),
  },
  SMCP_HITL_NOTIFY_FAILED: { class: 'NotifyError' },

  SMCP_UPSTREAM_START_FAILED: { class: 'UpstreamError' },
  SMCP_UPSTREAM_TOOL_COLLISION: { class: 'UpstreamError' },
  SMCP_UPSTREAM_PIN_LOCK_INVALID: { class: 'UpstreamError' },
  SMCP_UPSTREAM_UNAVAILABLE: { class: 'UpstreamError' },
  SMCP_UPSTREAM_ERROR: { class: 'UpstreamError' },

  SMCP_STARTUP_FAILED: {
    class: 'StartupError',
    message: (problems: readonly string[], file?: string) =>
      `${file ? `Cannot start with manifest '${file}'` : 'Cannot start'}:\n${bulleted(problems)}`,
  },
  SMCP_STARTUP_SETUP_TIMEOUT: {
    class: 'SetupTimeoutError',
    message: (ms: number) => `setup did not finish within ${ms} ms`,
  },
} as const satisfies Readonly<Record<`SMCP_${string}`, ErrorRow>>;

interface ErrorRow {
  /** The class of core that raises the code (modules may raise it through a subclass). */
  readonly class: string;
  /** The message, where it is built from parameters. */
  readonly message?: (...args: never[]) => string;
}

/** Every code scoped-mcp raises. */
export type ErrorCodeValue = keyof typeof ERRORS;

/** `SMCP_LOADER_NOT_FOUND` → `loaderNotFound`. */
type CodeName<Code extends string> = Code extends `SMCP_${infer Rest}` ? Uncapitalize<Words<Rest>> : never;
type Words<Text extends string> = Text extends `${infer Head}_${infer Tail}`
  ? `${Capitalize<Lowercase<Head>>}${Words<Tail>}`
  : Capitalize<Lowercase<Text>>;

export function codeName<Code extends ErrorCodeValue>(code: Code): CodeName<Code> {
  return code
    .slice('SMCP_'.length)
    .toLowerCase()
    .replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()) as CodeName<Code>;
}

/** The codes by name, `ErrorCode.rateLimited === 'SMCP_RATE_LIMITED'`: each name is its code in camelCase. */
export const ErrorCode = Object.freeze(
  Object.fromEntries(Object.keys(ERRORS).map((code) => [codeName(code as ErrorCodeValue), code])),
) as { readonly [Code in ErrorCodeValue as CodeName<Code>]: Code };
