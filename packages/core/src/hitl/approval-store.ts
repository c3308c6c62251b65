import type { StateBackend } from '../state/types.js';
import { newApprovalId } from './approval-id.js';
import {
  hitlKeys,
  type PendingApproval,
  parsePending,
  parseRejection,
  parseToken,
  type RejectionRecord,
} from './approval-record.js';

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
