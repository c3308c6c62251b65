import { randomUUID } from 'node:crypto';
import { IdentityError } from '../errors/errors.js';

/** Who this process serves. Fixed for the life of the process. */
export interface AgentIdentity {
  /** One agent instance, e.g. `research-01`. Names every per-agent resource. */
  readonly id: string;
  /** The agent's role, e.g. `research`; picks the manifest. */
  readonly type: string;
  /** A random UUID made at process start; correlates every audit line of this session. */
  readonly sessionId: string;
}

export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const AGENT_TYPE_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * Reads AGENT_ID and AGENT_TYPE. The id is later spliced into paths, file names and keys, so it is held to
 * a pattern with no separator, dot or underscore; the offending value is quoted only when it is short
 * enough to be an id (it is never a secret, but an over-long value is noise).
 */
export function resolveIdentity(env: NodeJS.ProcessEnv = process.env): AgentIdentity {
  const id = (env.AGENT_ID ?? '').trim();
  const type = (env.AGENT_TYPE ?? '').trim();
  const missing = [!id && 'AGENT_ID', !type && 'AGENT_TYPE'].filter(Boolean);
  if (missing.length > 0) {
    throw new IdentityError(
      'SMCP_IDENTITY_MISSING',
      `Required environment variable(s) not set: ${missing.join(', ')}.\n` +
        `Set them in the "env" block of the agent's MCP server config, e.g. AGENT_ID=research-01 and AGENT_TYPE=research.`,
    );
  }
  const problems: string[] = [];
  if (!AGENT_ID_PATTERN.test(id)) {
    problems.push(
      `AGENT_ID ${describe(id)} must be 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit`,
    );
  }
  if (!AGENT_TYPE_PATTERN.test(type)) {
    problems.push(
      `AGENT_TYPE ${describe(type)} must be 1-63 characters of a-z, 0-9, '_' and '-', starting with a letter or digit`,
    );
  }
  if (problems.length > 0) throw new IdentityError('SMCP_IDENTITY_INVALID', problems.join('; '));
  return Object.freeze({ id, type, sessionId: randomUUID() });
}

function describe(value: string): string {
  return value.length <= 64 ? JSON.stringify(value) : `(${value.length} characters)`;
}
