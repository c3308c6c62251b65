import { sanitizeKeyPart } from '../state/agent-state.js';
import { APPROVAL_ID_PATTERN } from './approval-id.js';
import { ARGS_HASH_PATTERN } from './args-hash.js';

/**
 * How long an operator's approval stays usable. The clock starts when the operator approves, not when
 * the call was first refused, so an approval given in the last second of the pending window still leaves
 * the agent this long to retry (the reference's v1.5.2 bug was a token that died before the agent could
 * come back, so every retry asked for a new approval). Short, because a token is a standing permission to
 * run one exact call; a constant, because the operator CLI writes it and the agent's message quotes it.
 */
export const TOKEN_TTL_SECONDS = 120;

/** What the operator sees and what an approval or rejection is bound to. Stored as JSON at `hitl:{approval_id}`. */
export interface PendingApproval {
  readonly approval_id: string;
  readonly tool: string;
  readonly agent_id: string;
  readonly agent_type: string;
  /** The sanitised arguments: raw values never reach state or notifiers. */
  readonly arguments_summary: unknown;
  readonly args_hash: string;
  /** Epoch seconds (a float, as the reference). */
  readonly timestamp: number;
  readonly timeout_seconds: number;
}

/** The operator's "no", kept for one retry of the same call so the agent learns why. */
export interface RejectionRecord {
  readonly approval_id: string;
  readonly reason?: string;
  readonly rejected_at: number;
}

/** Keys inside one agent's scope (`agentState` adds `scoped-mcp:{agent_id}:`). */
export const hitlKeys = {
  pending: (approvalId: string) => `hitl:${approvalId}`,
  token: (tool: string, hash: string) => `hitl:preapproved:${sanitizeKeyPart(tool)}:${hash}`,
  rejected: (tool: string, hash: string) => `hitl:rejected:${sanitizeKeyPart(tool)}:${hash}`,
  /** The open approval for one exact call, so retries while it waits reuse it instead of paging the operator again. */
  open: (tool: string, hash: string) => `hitl:open:${sanitizeKeyPart(tool)}:${hash}`,
} as const;

/** Parses a stored pending record; anything not of our making is undefined (never trusted, never approved). */
export function parsePending(text: string | undefined): PendingApproval | undefined {
  const value = parseJson(text);
  if (value === undefined) return undefined;
  const { approval_id, tool, agent_id, agent_type, args_hash, timestamp, timeout_seconds } = value;
  if (
    typeof approval_id !== 'string' ||
    !APPROVAL_ID_PATTERN.test(approval_id) ||
    typeof tool !== 'string' ||
    tool.length === 0 ||
    typeof agent_id !== 'string' ||
    typeof agent_type !== 'string' ||
    typeof args_hash !== 'string' ||
    !ARGS_HASH_PATTERN.test(args_hash) ||
    typeof timestamp !== 'number' ||
    typeof timeout_seconds !== 'number' ||
    !(timeout_seconds > 0)
  ) {
    return undefined;
  }
  return {
    approval_id,
    tool,
    agent_id,
    agent_type,
    arguments_summary: value.arguments_summary ?? null,
    args_hash,
    timestamp,
    timeout_seconds,
  };
}

/** The token an approval writes; only `status: "approved"` counts. */
export function tokenValue(approvalId: string, now: number): string {
  return JSON.stringify({ status: 'approved', approval_id: approvalId, approved_at: now / 1000 });
}

/** The approval id a token carries, or undefined when the value is not an approval token. */
export function parseToken(text: string | undefined): { approvalId: string } | undefined {
  const value = parseJson(text);
  if (value?.status !== 'approved') return undefined;
  const id = value.approval_id;
  return { approvalId: typeof id === 'string' && APPROVAL_ID_PATTERN.test(id) ? id : 'unknown' };
}

export function parseRejection(text: string | undefined): RejectionRecord | undefined {
  const value = parseJson(text);
  if (value === undefined || typeof value.approval_id !== 'string') return undefined;
  if (!APPROVAL_ID_PATTERN.test(value.approval_id)) return undefined;
  return {
    approval_id: value.approval_id,
    ...(typeof value.reason === 'string' ? { reason: value.reason } : {}),
    rejected_at: typeof value.rejected_at === 'number' ? value.rejected_at : 0,
  };
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
