import { randomBytes } from 'node:crypto';
import { AGENT_ID_PATTERN } from '../identity/agent-identity.js';

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
