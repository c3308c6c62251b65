import { ErrorCode } from '../errors/codes.js';
import { ScopedMcpError } from '../errors/scoped-mcp-error.js';

export interface RateLimitRefusal {
  readonly limitType: 'global' | 'per_tool';
  readonly tool: string;
  readonly agentId: string;
  readonly limit: number;
  readonly windowSeconds: number;
  readonly retryAfterMs: number;
}

/** A rate limit refused the call; the message tells the agent when a retry can succeed. */
export class RateLimitError extends ScopedMcpError {
  readonly retryAfterMs: number;

  constructor(refusal: RateLimitRefusal) {
    super(ErrorCode.rateLimited, rateLimitMessage(refusal));
    this.name = 'RateLimitError';
    this.retryAfterMs = refusal.retryAfterMs;
  }
}

export function rateLimitMessage(r: RateLimitRefusal): string {
  const subject =
    r.limitType === 'global'
      ? `Rate limit exceeded for agent '${r.agentId}': global limit`
      : `Rate limit exceeded for tool '${r.tool}': limit`;
  const rate = `${r.limit}/${r.windowSeconds}s`;
  // A zero limit never frees a slot: a retry hint would send the agent into a loop.
  if (r.limit === 0) return `${subject} ${rate} (calls are disabled by the manifest; do not retry).`;
  return `${subject} ${rate}. Retry in ${formatSeconds(r.retryAfterMs)} s.`;
}

/** Rounded up to a tenth, so retrying at the stated time is never early. */
function formatSeconds(ms: number): string {
  return (Math.ceil(ms / 100) / 10).toFixed(1);
}
