import { randomBytes } from 'node:crypto';
import { StateBackendError } from '../errors/errors.js';
import { AGENT_ID_PATTERN } from '../identity/agent-identity.js';
import { sanitizeKeyPart } from '../state/agent-state.js';
import type { StateBackend } from '../state/types.js';
import { ARGS_HASH_PATTERN } from './approval-arguments.js';

// Approvals, the agent's side of HITL: an approval id, the records kept in state (pending approval,
// one-time token, rejection), the store that reads and writes them. What an approval binds and shows is
// approval-arguments.ts; the errors the agent receives are HitlApprovalRequired and HitlRejected
// (errors/); the operator's side is operator.ts.

/** `{agent_id}.{12 hex}`: the agent id pattern has no '.', so the split is unambiguous. */
export const APPROVAL_ID_PATTERN = /^([a-z0-9][a-z0-9-]{0,62})\.([0-9a-f]{12})$/;

/** A fresh approval id: 48 random bits, as the reference, after the agent id the approval belongs to. */
export function newApprovalId(agentId: string): string {
  if (!AGENT_ID_PATTERN.test(agentId)) throw new Error('approval ids need a valid agent id');
  return `${agentId}.${randomBytes(6).toString('hex')}`;
}

/**
 * The agent an approval id belongs to, or undefined when the id is malformed. Strict on purpose: the id
 * arrives from a terminal (or a chat message pasted into one) and is spliced into a state key.
 */
export function approvalAgent(id: string): string | undefined {
  const match = APPROVAL_ID_PATTERN.exec(id);
  return match ? match[1] : undefined;
}

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
  /**
   * The canonical JSON of the call's parsed arguments, in full, with every credential value the server
   * holds replaced by `<redacted-secret>` (approval-arguments.ts). Null when a stored record does not carry
   * it (written by an older version): such an approval cannot be approved.
   */
  readonly arguments: string | null;
  /** Whether credential values were replaced in `arguments`. */
  readonly redacted_credentials: boolean;
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
    arguments: typeof value.arguments === 'string' ? value.arguments : null,
    redacted_credentials: value.redacted_credentials === true,
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
function parseToken(text: string | undefined): { approvalId: string } | undefined {
  const value = parseJson(text);
  if (value?.status !== 'approved') return undefined;
  const id = value.approval_id;
  return { approvalId: typeof id === 'string' && APPROVAL_ID_PATTERN.test(id) ? id : 'unknown' };
}

function parseRejection(text: string | undefined): RejectionRecord | undefined {
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

export interface PendingRequest {
  readonly tool: string;
  readonly argsHash: string;
  readonly agentId: string;
  readonly agentType: string;
  /** recordedArguments(): the canonical arguments, credential values replaced. */
  readonly arguments: string;
  readonly redactedCredentials: boolean;
  readonly timeoutSeconds: number;
}

/** The agent side of HITL, on the agent-scoped backend. Every method throws when the backend does. */
export interface ApprovalStore {
  /** Consumes the one-time approval of this exact call (atomic: of two concurrent retries one wins). */
  consumeApproval(tool: string, argsHash: string): Promise<{ approvalId: string } | undefined>;
  /** Consumes the operator's rejection of this exact call, reported once. */
  consumeRejection(tool: string, argsHash: string): Promise<RejectionRecord | undefined>;
  /**
   * The open approval for this exact call, or a new one (`created: true`: notify the operator). Atomic:
   * of identical calls arriving together one creates the approval, the others are given its id.
   */
  openApproval(request: PendingRequest): Promise<{ record: PendingApproval; created: boolean }>;
}

/** Claims of the open-approval pointer before giving up (each lost claim met a pointer left behind). */
const OPEN_CLAIM_ATTEMPTS = 3;

export function createApprovalStore(state: StateBackend, clock: () => number = Date.now): ApprovalStore {
  /** The pointer's approval id, and its pending record when it is live and belongs to this exact call. */
  async function readOpen(
    openKey: string,
    request: PendingRequest,
  ): Promise<{ id: string | undefined; record: PendingApproval | undefined }> {
    const id = await state.get(openKey);
    if (id === undefined) return { id, record: undefined };
    const existing = parsePending(await state.get(hitlKeys.pending(id)));
    const live =
      existing !== undefined &&
      existing.approval_id === id &&
      existing.tool === request.tool &&
      existing.args_hash === request.argsHash;
    return { id, record: live ? existing : undefined };
  }

  return {
    async consumeApproval(tool, argsHash) {
      return parseToken(await state.take(hitlKeys.token(tool, argsHash)));
    },

    async consumeRejection(tool, argsHash) {
      return parseRejection(await state.take(hitlKeys.rejected(tool, argsHash)));
    },

    async openApproval(request) {
      const openKey = hitlKeys.open(request.tool, request.argsHash);
      // The common case, a retry while the operator has not decided: join the open approval, write nothing.
      const open = await readOpen(openKey, request);
      if (open.record) return { record: open.record, created: false };

      const record: PendingApproval = {
        approval_id: newApprovalId(request.agentId),
        tool: request.tool,
        agent_id: request.agentId,
        agent_type: request.agentType,
        arguments: request.arguments,
        redacted_credentials: request.redactedCredentials,
        args_hash: request.argsHash,
        timestamp: clock() / 1000,
        timeout_seconds: request.timeoutSeconds,
      };
      const pendingKey = hitlKeys.pending(record.approval_id);
      const ttlMs = request.timeoutSeconds * 1000;
      // The record first, then the pointer to it, claimed with setIfAbsent: of identical calls racing here
      // one claims it, and a pointer only ever names a record that was already written. A pointer whose
      // record is gone is therefore stale (decided or expired a moment ago), never one still being written.
      await state.set(pendingKey, JSON.stringify(record), ttlMs);
      let staleId = open.id;
      for (let attempt = 0; attempt < OPEN_CLAIM_ATTEMPTS; attempt++) {
        if (staleId !== undefined) {
          // Cleared only if it still names the stale approval. Two calls clearing the same stale pointer at
          // once can each end up with an approval of their own: a duplicate, never a wrong approval.
          if ((await state.get(openKey)) === staleId) await state.delete(openKey);
        }
        if (await state.setIfAbsent(openKey, record.approval_id, ttlMs)) return { record, created: true };
        const winner = await readOpen(openKey, request);
        if (winner.record) {
          // Never announced: this call reports the winner's id, and its own record goes.
          await state.delete(pendingKey);
          return { record: winner.record, created: false };
        }
        staleId = winner.id;
      }
      await state.delete(pendingKey).catch(() => false);
      throw new StateBackendError('could not open an approval: the open-approval pointer kept changing');
    },
  };
}
