import type { AuditLogger } from '../audit/loggers.js';
import type { CredentialRedactor } from '../hitl/approval-arguments.js';
import type { Notifier } from '../hitl/notify.js';
import type { AgentIdentity } from '../identity/agent-identity.js';
import type { Manifest } from '../manifest/schema.js';
import type { StateBackend } from '../state/types.js';
import { createArgumentFilterMiddleware } from './argument-filter.js';
import type { Middleware } from './compose.js';
import { createHitlMiddleware } from './hitl.js';
import { createRateLimitMiddleware } from './rate-limit.js';
import { createResponseFilterMiddleware } from './response-filter.js';

export interface GuardrailOptions {
  readonly manifest: Manifest;
  readonly agent: AgentIdentity;
  readonly audit: AuditLogger;
  /** Already scoped to the agent (`agentState`). */
  readonly state: StateBackend;
  /** Every registered tool name (glob patterns matching none are reported as warnings). */
  readonly toolNames: readonly string[];
  /** The audit sanitiser (with the process's secrets): HITL argument summaries go through it. */
  readonly sanitize: (value: unknown) => unknown;
  /** HITL: exact redaction of the process's credential values, for the full arguments an approval records. */
  readonly redactCredentials: CredentialRedactor;
  /** HITL: the manifest's absolute path, for the operator's commands in messages and notifications. */
  readonly manifestPath?: string;
  /** The embedding program's middleware; runs inside HITL, outside the response filter. */
  readonly extra?: readonly Middleware[];
  /** HITL: the manifest's notifier as the runtime loaded it, or a test's or an embedder's. */
  readonly notifier?: Notifier;
}

export interface Guardrails {
  /** Index 0 outermost, ready for composeMiddleware. */
  readonly middleware: Middleware[];
  /**
   * The layers a call refused before its arguments are parsed (nested too deep) still passes: the rate
   * limit, so that such calls count like any other.
   */
  readonly admission: Middleware[];
  /** For the ops log at startup (patterns that match no tool, unsupported options, …). */
  readonly warnings: string[];
  /** Whether HITL's shadow list answers this tool's calls without running it. */
  readonly shadowed: (tool: string) => boolean;
}

/**
 * The manifest's guardrails in their fixed order (outer → inner): rate limit → argument filter → HITL →
 * (OTel) → embedder middleware → response filter. Rate limiting comes first so refused floods still
 * count; argument filters before HITL so an operator is never asked to approve a call policy refuses;
 * the response filter is innermost so it sees the handler's output before any other layer, embedder
 * code included. Blocks the manifest does not have add no layer (and no per-call cost).
 */
export function buildGuardrails(options: GuardrailOptions): Guardrails {
  const { manifest, agent, audit, state, toolNames } = options;
  const middleware: Middleware[] = [];
  const admission: Middleware[] = [];
  const warnings: string[] = [];
  let shadowed: (tool: string) => boolean = () => false;

  if (manifest.rate_limits !== undefined) {
    const built = createRateLimitMiddleware({
      config: manifest.rate_limits,
      state,
      audit,
      agentId: agent.id,
      toolNames,
    });
    middleware.push(built.middleware);
    admission.push(built.middleware);
    warnings.push(...built.warnings);
  }

  const argumentRules = manifest.argument_filters ?? [];
  if (argumentRules.length > 0) {
    middleware.push(createArgumentFilterMiddleware({ rules: argumentRules, audit, agentId: agent.id }));
  }

  const hitl = manifest.hitl;
  if (hitl !== undefined && (hitl.approval_required.length > 0 || hitl.shadow.length > 0)) {
    const built = createHitlMiddleware({
      config: hitl,
      state,
      audit,
      agent,
      sanitize: options.sanitize,
      redactCredentials: options.redactCredentials,
      toolNames,
      ...(options.manifestPath !== undefined ? { manifestPath: options.manifestPath } : {}),
      maxArgumentDepth: manifest.limits.max_argument_depth,
      ...(options.notifier !== undefined ? { notifier: options.notifier } : {}),
    });
    middleware.push(built.middleware);
    warnings.push(...built.warnings);
    shadowed = built.shadowed;
  }

  // OTel goes here once it exists.
  middleware.push(...(options.extra ?? []));

  const responseRules = manifest.response_filters ?? [];
  if (responseRules.length > 0) {
    middleware.push(createResponseFilterMiddleware({ rules: responseRules, audit, agentId: agent.id }));
  }
  return { middleware, admission, warnings, shadowed };
}
