import { ErrorCode } from '../errors/codes.js';
import { ScopedMcpError } from '../errors/scoped-mcp-error.js';

export const STATE_UNAVAILABLE_MESSAGE = 'state backend unavailable; the call was refused (fail closed)';

/** The state backend failed while a guardrail needed it; the call is refused, never waved through. */
export class StateUnavailableError extends ScopedMcpError {
  constructor(message: string = STATE_UNAVAILABLE_MESSAGE) {
    // The backend's own error stays out of the chain: it may name hosts, and the agent only needs to know it was refused.
    super(ErrorCode.stateUnavailable, message);
    this.name = 'StateUnavailableError';
  }
}
