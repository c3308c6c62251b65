import { ErrorCode } from '../errors/codes.js';
import { ScopedMcpError } from '../errors/scoped-mcp-error.js';

/** The agent's side of reject-then-wait: what to ask the operator, and how to come back. */
export class HitlApprovalRequired extends ScopedMcpError {
  readonly approvalId: string;

  constructor(
    tool: string,
    approvalId: string,
    tokenTtlSeconds: number,
    options: { stillPending?: boolean } = {},
  ) {
    const state = options.stillPending ? 'is still waiting for' : 'requires';
    super(
      ErrorCode.hitlApprovalRequired,
      `Tool call to '${tool}' ${state} operator approval (approval ID: ${approvalId}). ` +
        `Ask the operator to run: scoped-mcp hitl approve ${approvalId} — then retry this exact tool call ` +
        `with the same arguments within ${tokenTtlSeconds} seconds.`,
    );
    this.name = 'HitlApprovalRequired';
    this.approvalId = approvalId;
  }
}

/** The operator said no; reported on the first retry of the same call, then the call can be asked again. */
export class HitlRejected extends ScopedMcpError {
  constructor(tool: string, approvalId: string, reason?: string) {
    super(
      ErrorCode.hitlRejected,
      `Tool call to '${tool}' was rejected by the operator (approval ID: ${approvalId})` +
        (reason ? `: ${reason}` : '.'),
    );
    this.name = 'HitlRejected';
  }
}
