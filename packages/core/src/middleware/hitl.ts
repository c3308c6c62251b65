import type { AuditLogger } from '../audit/loggers.js';
import { errorLine, errorName } from '../errors/error-line.js';
import {
  HitlApprovalRequired,
  HitlRejected,
  LimitExceededError,
  StateUnavailableError,
  ToolInputError,
} from '../errors/errors.js';
import { type CredentialRedactor, canonicalHash, recordedArguments } from '../hitl/approval-arguments.js';
import { createApprovalStore, TOKEN_TTL_SECONDS } from '../hitl/approvals.js';
import { createNotifier, formatApprovalMessage, type Notifier } from '../hitl/notify.js';
import { operatorCommand } from '../hitl/operator.js';
import type { AgentIdentity } from '../identity/agent-identity.js';
import type { HitlConfig } from '../manifest/schema.js';
import type { ToolOutput } from '../module/types.js';
import { canonicalJson } from '../shared/canonical-json.js';
import { compileGlob } from '../shared/glob.js';
import type { StateBackend } from '../state/types.js';
import type { Middleware, ToolCall } from './compose.js';

export interface HitlOptions {
  readonly config: HitlConfig;
  /** Already scoped to the agent (`agentState`); must be shared when approval_required lists anything. */
  readonly state: StateBackend;
  readonly audit: AuditLogger;
  readonly agent: AgentIdentity;
  /** The audit sanitiser: the summaries of arguments in audit lines and notifications go through it. */
  readonly sanitize: (value: unknown) => unknown;
  /**
   * Replaces the credential values the server holds (exactly, as core's secret redactor does), returning
   * the value itself when it held none. The approval record stores the full arguments through it.
   */
  readonly redactCredentials: CredentialRedactor;
  /**
   * The absolute path of the agent's manifest, for the operator's commands the agent and the notifications
   * print (`scoped-mcp hitl --manifest <path> approve <id>`). Without it they name a placeholder.
   */
  readonly manifestPath?: string;
  /** Every registered tool name, to warn about patterns that match none. */
  readonly toolNames: readonly string[];
  /**
   * The manifest's notifier as the runtime loaded it (a module package's sender), or one of a test or an
   * embedder. Without it, core's own senders (log, webhook) are built here.
   */
  readonly notifier?: Notifier;
  /** `limits.max_argument_depth`: arguments that deep are hashed for an approval (default 64). */
  readonly maxArgumentDepth?: number;
}

export const SHADOW_RESULT = Object.freeze({
  shadow: true,
  message: 'tool call shadowed — no upstream invocation',
});

type Decision = 'shadow' | 'approval' | 'pass';

/**
 * Reference §5.4, reject-then-wait: a gated call is refused with an approval id; the operator reads its
 * exact arguments (`scoped-mcp hitl show`) and approves it from another process (`scoped-mcp hitl
 * approve`), which leaves a one-time token bound to the tool and the exact arguments; the agent's retry
 * consumes it and runs. One approval per tool and arguments is open at a time. Arguments too large to
 * read in full are refused before an approval is opened. Shadow patterns win over approval. Every state
 * failure refuses the call (fail closed).
 */
export function createHitlMiddleware(options: HitlOptions): {
  middleware: Middleware;
  warnings: string[];
  /** Whether the shadow list answers this tool's calls (shadow wins over approval). */
  shadowed: (tool: string) => boolean;
} {
  const { config, state, audit, agent, sanitize, redactCredentials, manifestPath } = options;
  const warnings = unsupportedWarnings(config);
  if (config.approval_required.length > 0 && !state.shared) {
    throw new Error(
      "hitl.approval_required needs a shared state backend (state_backend.type: redis), because 'scoped-mcp hitl approve' runs in another process",
    );
  }
  const shadow = config.shadow.map(compileGlob);
  const approval = config.approval_required.map(compileGlob);
  warnings.push(
    ...unmatched('shadow', config.shadow, shadow, options.toolNames),
    ...unmatched('approval_required', config.approval_required, approval, options.toolNames),
  );
  const decide = (tool: string): Decision =>
    shadow.some((m) => m(tool)) ? 'shadow' : approval.some((m) => m(tool)) ? 'approval' : 'pass';
  // Decided once per tool: the registry's names are fixed at startup, so the map stays small.
  const decisions = new Map<string, Decision>(options.toolNames.map((t) => [t, decide(t)]));

  let notifier = options.notifier;
  if (!notifier) {
    const setup = createNotifier(config.notify, { audit });
    notifier = setup.notifier;
    warnings.push(...setup.warnings);
  }
  const store = createApprovalStore(state);

  async function requireApproval(call: ToolCall, next: () => Promise<ToolOutput>): Promise<ToolOutput> {
    const tool = call.tool;
    // The text the hash binds is the text the operator reads: one canonical JSON for both.
    let canonical: string;
    try {
      canonical = canonicalJson(
        call.args,
        options.maxArgumentDepth === undefined ? {} : { maxDepth: options.maxArgumentDepth },
      );
    } catch {
      throw new ToolInputError(
        `the arguments of '${tool}' cannot be bound to an approval (cyclic or too deeply nested)`,
      );
    }
    const bytes = Buffer.byteLength(canonical, 'utf8');
    if (bytes > config.max_argument_bytes) {
      audit.warn(
        { tool, argument_bytes: bytes, max_argument_bytes: config.max_argument_bytes },
        'hitl_arguments_too_large',
      );
      throw new LimitExceededError(
        `The arguments of '${tool}' are ${bytes} bytes as canonical JSON, over hitl.max_argument_bytes ` +
          `(${config.max_argument_bytes}): an operator could not review them in full, so this call cannot ` +
          'be approved. Send smaller arguments.',
        { name: 'max_argument_bytes', value: config.max_argument_bytes },
      );
    }
    const hash = canonicalHash(canonical);
    let approved: { approvalId: string } | undefined;
    let rejected: Awaited<ReturnType<typeof store.consumeRejection>>;
    try {
      approved = await store.consumeApproval(tool, hash);
      if (!approved) rejected = await store.consumeRejection(tool, hash);
    } catch (error) {
      audit.error({ tool, ...describe(error) }, 'hitl_state_read_failed');
      throw new StateUnavailableError('approval');
    }
    if (approved) {
      audit.warn({ tool, approval_id: approved.approvalId }, 'hitl_preapproved');
      return next();
    }
    if (rejected) {
      audit.warn(
        { tool, approval_id: rejected.approval_id, reason: rejected.reason ?? null },
        'hitl_rejection_reported',
      );
      throw new HitlRejected(tool, rejected.approval_id, rejected.reason);
    }

    const recorded = recordedArguments(canonical, redactCredentials);
    let opened: Awaited<ReturnType<typeof store.openApproval>>;
    try {
      opened = await store.openApproval({
        tool,
        argsHash: hash,
        agentId: agent.id,
        agentType: agent.type,
        arguments: recorded.text,
        redactedCredentials: recorded.redactedCredentials,
        timeoutSeconds: config.timeout_seconds,
      });
    } catch (error) {
      audit.error({ tool, ...describe(error) }, 'hitl_state_write_failed');
      throw new StateUnavailableError('approval');
    }
    const { record, created } = opened;
    const approval = {
      tool,
      approvalId: record.approval_id,
      approveCommand: operatorCommand('approve', record.approval_id, manifestPath),
      tokenTtlSeconds: TOKEN_TTL_SECONDS,
    };
    if (!created) {
      // The agent retried before the operator decided, or an identical call got here first: same id, and
      // the operator is not paged again.
      audit.info({ tool, approval_id: record.approval_id }, 'hitl_approval_still_pending');
      throw new HitlApprovalRequired({ ...approval, stillPending: true });
    }
    const summary = sanitize(call.args);
    audit.warn(
      {
        approval_id: record.approval_id,
        tool,
        arguments_summary: summary,
        timeout_seconds: record.timeout_seconds,
      },
      'hitl_approval_pending',
    );
    const base = {
      approval_id: record.approval_id,
      tool,
      agent_id: agent.id,
      agent_type: agent.type,
      arguments_summary: summary,
      timeout_seconds: record.timeout_seconds,
      show_command: operatorCommand('show', record.approval_id, manifestPath),
      approve_command: approval.approveCommand,
      reject_command: operatorCommand('reject', record.approval_id, manifestPath),
    };
    try {
      await notifier?.notify({ ...base, message: formatApprovalMessage(base) });
    } catch (error) {
      audit.error(
        {
          tool,
          approval_id: record.approval_id,
          notifier: notifier?.type,
          ...describe(error),
        },
        'hitl_notifier_failed',
      );
    }
    throw new HitlApprovalRequired(approval);
  }

  const middleware: Middleware = async (call, next) => {
    let decision = decisions.get(call.tool);
    if (decision === undefined) {
      decision = decide(call.tool);
      decisions.set(call.tool, decision);
    }
    if (decision === 'pass') return next();
    if (decision === 'shadow') {
      audit.warn({ tool: call.tool, arguments_summary: sanitize(call.args) }, 'hitl_shadowed');
      return { ...SHADOW_RESULT };
    }
    return requireApproval(call, next);
  };
  return { middleware, warnings, shadowed: (tool) => shadow.some((matches) => matches(tool)) };
}

function unsupportedWarnings(config: HitlConfig): string[] {
  const warnings: string[] = [];
  if (config.mode === 'interactive') {
    warnings.push(
      "hitl.mode: 'interactive' is not supported yet; approvals go through 'scoped-mcp hitl approve' (mode 'enforce')",
    );
  }
  if (config.signing.mode !== 'off') {
    warnings.push(
      `hitl.signing.mode: '${config.signing.mode}' is not supported yet; approval tokens are NOT signature-checked (behaves as 'off')`,
    );
  }
  return warnings;
}

function unmatched(
  list: 'shadow' | 'approval_required',
  patterns: readonly string[],
  matchers: readonly ((name: string) => boolean)[],
  toolNames: readonly string[],
): string[] {
  const warnings: string[] = [];
  for (const [i, pattern] of patterns.entries()) {
    const matcher = matchers[i] as (name: string) => boolean;
    if (toolNames.some(matcher)) continue;
    const hint = pattern.includes('.')
      ? " (tool names are '<module key>_<tool>', e.g. 'filesystem_write_file'; '.' is not a separator)"
      : '';
    warnings.push(`hitl.${list}[${i}]: pattern '${pattern}' matches no tool, so it has no effect${hint}`);
  }
  return warnings;
}

/** Error class and first line only: backend messages can name hosts, and the audit line must stay short. */
function describe(error: unknown): { error_type: string; error: string } {
  return { error_type: errorName(error), error: errorLine(error, 200) };
}
