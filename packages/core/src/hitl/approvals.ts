import { createHash, randomBytes } from 'node:crypto';
import { AGENT_ID_PATTERN } from '../identity/agent-identity.js';
import { canonicalJson } from '../shared/canonical-json.js';
import { sanitizeKeyPart } from '../state/agent-state.js';
import type { StateBackend } from '../state/types.js';

// Approvals, the agent's side of HITL: an approval id, the hash that binds it to one exact call, the
// records kept in state (pending approval, one-time token, rejection), the store that reads and writes
// them. The errors the agent receives are HitlApprovalRequired and HitlRejected (errors/); the operator's
// side is operator.ts.

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

/** Hex characters kept from the SHA-256: 128 bits, far beyond any collision an agent could search for. */
const ARGS_HASH_LENGTH = 32;
export const ARGS_HASH_PATTERN = /^[0-9a-f]{32}$/;

/**
 * Binds an approval to the exact arguments: the first 32 hex characters of the SHA-256 of the canonical
 * JSON of the *parsed* arguments (object keys sorted by code unit, no whitespace). Parsed, so an omitted
 * argument and its explicit default hash the same — the handler sees the same call either way.
 *
 * This is deliberately not the reference's hash (16 hex characters of Python `json.dumps` with its
 * `", "` separators): approval tokens are written and consumed by the same implementation, and are never
 * portable between the Python and TypeScript versions anyway.
 *
 * Throws on a value JSON cannot express faithfully (a cycle, nesting deeper than `maxDepth`, by default
 * the default `limits.max_argument_depth`): the caller refuses the call rather than fall back to a shared
 * constant, which would let one approval cover other arguments.
 */
export function argsHash(args: unknown, maxDepth?: number): string {
  const text = canonicalJson(args, maxDepth === undefined ? {} : { maxDepth });
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, ARGS_HASH_LENGTH);
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
  readonly argumentsSummary: unknown;
  readonly timeoutSeconds: number;
}

/** The agent side of HITL, on the agent-scoped backend. Every method throws when the backend does. */
export interface ApprovalStore {
  /** Consumes the one-time approval of this exact call (atomic: of two concurrent retries one wins). */
  consumeApproval(tool: string, argsHash: string): Promise<{ approvalId: string } | undefined>;
  /** Consumes the operator's rejection of this exact call, reported once. */
  consumeRejection(tool: string, argsHash: string): Promise<RejectionRecord | undefined>;
  /** The open approval for this exact call, or a new one (`created: true`: notify the operator). */
  openApproval(request: PendingRequest): Promise<{ record: PendingApproval; created: boolean }>;
}

export function createApprovalStore(state: StateBackend, clock: () => number = Date.now): ApprovalStore {
  return {
    async consumeApproval(tool, argsHash) {
      return parseToken(await state.take(hitlKeys.token(tool, argsHash)));
    },

    async consumeRejection(tool, argsHash) {
      return parseRejection(await state.take(hitlKeys.rejected(tool, argsHash)));
    },

    async openApproval(request) {
      const openKey = hitlKeys.open(request.tool, request.argsHash);
      const openId = await state.get(openKey);
      if (openId !== undefined) {
        const existing = parsePending(await state.get(hitlKeys.pending(openId)));
        if (existing && existing.tool === request.tool && existing.args_hash === request.argsHash) {
          return { record: existing, created: false };
        }
      }
      const record: PendingApproval = {
        approval_id: newApprovalId(request.agentId),
        tool: request.tool,
        agent_id: request.agentId,
        agent_type: request.agentType,
        arguments_summary: request.argumentsSummary,
        args_hash: request.argsHash,
        timestamp: clock() / 1000,
        timeout_seconds: request.timeoutSeconds,
      };
      const ttlMs = request.timeoutSeconds * 1000;
      await state.set(hitlKeys.pending(record.approval_id), JSON.stringify(record), ttlMs);
      await state.set(openKey, record.approval_id, ttlMs);
      return { record, created: true };
    },
  };
}
