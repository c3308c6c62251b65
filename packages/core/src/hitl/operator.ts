import { agentState, DEFAULT_STATE_PREFIX, escapeGlob } from '../state/agent-state.js';
import type { StateBackend } from '../state/types.js';
import {
  APPROVAL_ID_PATTERN,
  approvalAgent,
  hitlKeys,
  type PendingApproval,
  parsePending,
  TOKEN_TTL_SECONDS,
  tokenValue,
} from './approvals.js';

// The operator's side of HITL (`scoped-mcp hitl`). It works on the raw, unscoped backend: the operator
// decides for every agent, and finds an approval's agent in its id (`{agent_id}.{12 hex}`).

export interface OperatorOptions {
  /** The state key root (`state_backend.key_prefix`'s counterpart in agentState); default `scoped-mcp`. */
  readonly prefix?: string;
  readonly now?: () => number;
}

export interface PendingEntry extends PendingApproval {
  /** Whole seconds until the approval expires (0 when it is about to). */
  readonly expires_in_seconds: number;
}

export type DecisionResult =
  | { readonly status: 'approved' | 'rejected'; readonly record: PendingApproval }
  /** Expired, decided already, or never existed. */
  | { readonly status: 'not_found' }
  /** Not `{agent_id}.{12 hex}`. */
  | { readonly status: 'invalid_id' };

/** Longest rejection reason kept; it is shown to the agent, one line. */
export const MAX_REASON_LENGTH = 200;
const FETCH_CONCURRENCY = 32;
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL_RUNS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** Every pending approval of every agent, oldest first. Keys that are not well-formed approvals are skipped. */
export async function listPendingApprovals(
  backend: StateBackend,
  options: OperatorOptions = {},
): Promise<PendingEntry[]> {
  const prefix = options.prefix ?? DEFAULT_STATE_PREFIX;
  const now = (options.now ?? Date.now)();
  const keyShape = new RegExp(`^${escapeRegExp(prefix)}:([^:]+):hitl:([^:]+)$`);
  const candidates: { key: string; id: string; agent: string }[] = [];
  for (const key of await backend.keys(`${escapeGlob(prefix)}:*:hitl:*.*`)) {
    const match = keyShape.exec(key);
    if (!match) continue;
    const [, agent, id] = match as unknown as [string, string, string];
    if (approvalAgent(id) === agent) candidates.push({ key, id, agent });
  }
  const entries: PendingEntry[] = [];
  for (let i = 0; i < candidates.length; i += FETCH_CONCURRENCY) {
    const batch = candidates.slice(i, i + FETCH_CONCURRENCY);
    const values = await Promise.all(batch.map((c) => backend.get(c.key)));
    for (const [j, text] of values.entries()) {
      const record = parsePending(text);
      const candidate = batch[j] as (typeof batch)[number];
      if (!record || record.approval_id !== candidate.id || record.agent_id !== candidate.agent) continue;
      const expiresAt = (record.timestamp + record.timeout_seconds) * 1000;
      entries.push({ ...record, expires_in_seconds: Math.max(0, Math.floor((expiresAt - now) / 1000)) });
    }
  }
  return entries.sort((a, b) => a.timestamp - b.timestamp);
}

/**
 * Approves a pending call: the pending record is taken atomically (two operators approving at once → one
 * wins, the other gets not_found), then a one-time token for the exact (tool, arguments) is written.
 */
export async function approvePending(
  backend: StateBackend,
  approvalId: string,
  options: OperatorOptions = {},
): Promise<DecisionResult> {
  const decided = await takePending(backend, approvalId, options);
  if (decided.status !== 'found') return decided;
  const { state, record } = decided;
  const now = (options.now ?? Date.now)();
  await state.set(
    hitlKeys.token(record.tool, record.args_hash),
    tokenValue(record.approval_id, now),
    TOKEN_TTL_SECONDS * 1000,
  );
  await forgetOpen(state, record);
  return { status: 'approved', record };
}

/** Rejects a pending call; the reason (cleaned, one line) is kept so the agent's next retry is told why. */
export async function rejectPending(
  backend: StateBackend,
  approvalId: string,
  reason?: string,
  options: OperatorOptions = {},
): Promise<DecisionResult> {
  const decided = await takePending(backend, approvalId, options);
  if (decided.status !== 'found') return decided;
  const { state, record } = decided;
  const now = (options.now ?? Date.now)();
  const cleaned = reason === undefined ? '' : cleanReason(reason);
  const ttlSeconds = Math.max(record.timeout_seconds, TOKEN_TTL_SECONDS);
  await state.set(
    hitlKeys.rejected(record.tool, record.args_hash),
    JSON.stringify({
      approval_id: record.approval_id,
      ...(cleaned ? { reason: cleaned } : {}),
      rejected_at: now / 1000,
    }),
    ttlSeconds * 1000,
  );
  await forgetOpen(state, record);
  return { status: 'rejected', record };
}

/** One line, no control characters, at most MAX_REASON_LENGTH characters. */
export function cleanReason(reason: string): string {
  const flat = reason.replace(CONTROL_RUNS, ' ').replace(/\s+/g, ' ').trim();
  const chars = Array.from(flat);
  return chars.length > MAX_REASON_LENGTH ? `${chars.slice(0, MAX_REASON_LENGTH - 1).join('')}…` : flat;
}

type Taken =
  | { readonly status: 'found'; readonly state: StateBackend; readonly record: PendingApproval }
  | { readonly status: 'not_found' }
  | { readonly status: 'invalid_id' };

async function takePending(
  backend: StateBackend,
  approvalId: string,
  options: OperatorOptions,
): Promise<Taken> {
  const agent = approvalAgent(approvalId);
  if (agent === undefined || !APPROVAL_ID_PATTERN.test(approvalId)) return { status: 'invalid_id' };
  const state = agentState(backend, agent, options.prefix ?? DEFAULT_STATE_PREFIX);
  const record = parsePending(await state.take(hitlKeys.pending(approvalId)));
  // A record that is not ours, or names another approval or agent, approves nothing.
  if (!record || record.approval_id !== approvalId || record.agent_id !== agent)
    return { status: 'not_found' };
  return { status: 'found', state, record };
}

/** Drops the call's open-approval pointer if it still points here, so the next identical call asks afresh. */
async function forgetOpen(state: StateBackend, record: PendingApproval): Promise<void> {
  const key = hitlKeys.open(record.tool, record.args_hash);
  if ((await state.get(key)) === record.approval_id) await state.delete(key);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
