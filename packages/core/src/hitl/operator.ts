import { agentState, DEFAULT_STATE_PREFIX, escapeGlob } from '../state/agent-state.js';
import type { StateBackend } from '../state/types.js';
import { argumentsReviewable, escapeInvisible } from './approval-arguments.js';
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
  /** Whether the record shows the full arguments it approves (argumentsReviewable); only then can it be approved. */
  readonly reviewable: boolean;
}

export type DecisionResult =
  | { readonly status: 'approved' | 'rejected'; readonly record: PendingApproval }
  /** The record does not show the full arguments it would approve; it was not approved (reject it, or let it expire). */
  | { readonly status: 'not_reviewable'; readonly record: PendingApproval }
  /** Expired, decided already, or never existed. */
  | { readonly status: 'not_found' }
  /** Not `{agent_id}.{12 hex}`. */
  | { readonly status: 'invalid_id' };

export type ShowResult =
  | { readonly status: 'found'; readonly entry: PendingEntry }
  | { readonly status: 'not_found' }
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
      entries.push(entryOf(record, now));
    }
  }
  return entries.sort((a, b) => a.timestamp - b.timestamp);
}

/** One pending approval, read without deciding it (`scoped-mcp hitl show`). */
export async function showPending(
  backend: StateBackend,
  approvalId: string,
  options: OperatorOptions = {},
): Promise<ShowResult> {
  const agent = approvalAgent(approvalId);
  if (agent === undefined) return { status: 'invalid_id' };
  const state = agentState(backend, agent, options.prefix ?? DEFAULT_STATE_PREFIX);
  const record = ownRecord(await state.get(hitlKeys.pending(approvalId)), approvalId, agent);
  if (!record) return { status: 'not_found' };
  return { status: 'found', entry: entryOf(record, (options.now ?? Date.now)()) };
}

/**
 * Approves a pending call: the pending record is taken atomically (two operators approving at once → one
 * wins, the other gets not_found), then a one-time token for the exact (tool, arguments) is written. A
 * record that does not show the full arguments it approves is refused and left pending (not_reviewable):
 * nobody can approve what they could not read.
 */
export async function approvePending(
  backend: StateBackend,
  approvalId: string,
  options: OperatorOptions = {},
): Promise<DecisionResult> {
  const agent = approvalAgent(approvalId);
  if (agent === undefined) return { status: 'invalid_id' };
  const shown = ownRecord(
    await agentState(backend, agent, options.prefix ?? DEFAULT_STATE_PREFIX).get(
      hitlKeys.pending(approvalId),
    ),
    approvalId,
    agent,
  );
  if (!shown) return { status: 'not_found' };
  if (!argumentsReviewable(shown)) return { status: 'not_reviewable', record: shown };
  const decided = await takePending(backend, approvalId, options);
  if (decided.status !== 'found') return decided;
  const { state, record } = decided;
  // Replaced between the read and the take (nothing of ours does that): taken, and not approved.
  if (
    record.arguments !== shown.arguments ||
    record.args_hash !== shown.args_hash ||
    !argumentsReviewable(record)
  ) {
    return { status: 'not_reviewable', record };
  }
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
  const record = ownRecord(await state.take(hitlKeys.pending(approvalId)), approvalId, agent);
  if (!record) return { status: 'not_found' };
  return { status: 'found', state, record };
}

/** A record that is not ours, or names another approval or agent, shows and approves nothing. */
function ownRecord(text: string | undefined, approvalId: string, agent: string): PendingApproval | undefined {
  const record = parsePending(text);
  return record && record.approval_id === approvalId && record.agent_id === agent ? record : undefined;
}

function entryOf(record: PendingApproval, now: number): PendingEntry {
  const expiresAt = (record.timestamp + record.timeout_seconds) * 1000;
  return {
    ...record,
    expires_in_seconds: Math.max(0, Math.floor((expiresAt - now) / 1000)),
    reviewable: argumentsReviewable(record),
  };
}

/**
 * The operator's command for one approval, as they would type it: `scoped-mcp hitl --manifest <path>
 * <action> <id>`, the path quoted for a POSIX shell when it needs it. Without a path (an embedder that did
 * not give one), or with one no shell line can carry, a placeholder names what goes there.
 */
export function operatorCommand(
  action: 'show' | 'approve' | 'reject',
  approvalId: string,
  manifestPath?: string,
): string {
  return `scoped-mcp hitl --manifest ${shellWord(manifestPath)} ${action} ${approvalId}`;
}

const MANIFEST_PLACEHOLDER = "<the agent's manifest>";
// biome-ignore lint/suspicious/noControlCharactersInRegex: a path with control characters cannot be printed on one line
const CONTROL = /[\u0000-\u001f]/;

function shellWord(path: string | undefined): string {
  if (path === undefined || path.length === 0 || CONTROL.test(path) || escapeInvisible(path) !== path) {
    return MANIFEST_PLACEHOLDER;
  }
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(path)) return path;
  return `'${path.replaceAll("'", "'\\''")}'`;
}

/** Drops the call's open-approval pointer if it still points here, so the next identical call asks afresh. */
async function forgetOpen(state: StateBackend, record: PendingApproval): Promise<void> {
  const key = hitlKeys.open(record.tool, record.args_hash);
  if ((await state.get(key)) === record.approval_id) await state.delete(key);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
