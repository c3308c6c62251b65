import { ErrorCode } from '../errors/codes.js';
import { ScopedMcpError } from '../errors/scoped-mcp-error.js';

/**
 * An argument or response filter refused a call. The message names the tool only: naming the rule, the
 * field or the matched text would teach the agent how to get around the filter.
 */
export class PolicyError extends ScopedMcpError {
  constructor(message: string) {
    super(ErrorCode.policyBlocked, message);
    this.name = 'PolicyError';
  }
}

export function argumentPolicyMessage(tool: string): string {
  return `tool call to '${tool}' blocked by argument filter policy`;
}

export function responsePolicyMessage(tool: string): string {
  return `tool response from '${tool}' blocked by response filter policy`;
}
