import type { AuditLogger } from '../audit/audit-logger.js';
import type { RateLimitsConfig } from '../manifest/manifest-types.js';
import { StateUnavailableError } from '../state/types.js';
import type { SlidingWindowResult, StateBackend } from '../state/types.js';
import { RateLimitError } from './rate-limit-error.js';
import { compileRateLimits, type RateRule } from './rate-limit-rules.js';
import type { Middleware } from './types.js';

export interface RateLimitOptions {
  readonly config: RateLimitsConfig;
  /** Already scoped to the agent (`agentState`). */
  readonly state: StateBackend;
  readonly audit: AuditLogger;
  readonly agentId: string;
  /** Every registered tool name, to warn about patterns that match none. */
  readonly toolNames: readonly string[];
}

/**
 * Reference §5.2: the global window first, then the first matching per_tool pattern's window. A call
 * refused per-tool has used a global slot; a call refused globally never touches per-tool. A backend
 * failure refuses the call (fail closed).
 */
export function createRateLimitMiddleware(options: RateLimitOptions): {
  middleware: Middleware;
  warnings: string[];
} {
  const { state, audit, agentId } = options;
  const limits = compileRateLimits(options.config, options.toolNames);

  async function hit(rule: RateRule, tool: string): Promise<void> {
    let result: SlidingWindowResult;
    try {
      result = await state.slidingWindowHit(rule.key, rule.limit, rule.windowMs);
    } catch (error) {
      audit.warn(
        {
          tool_name: tool,
          limit_type: rule.limitType,
          error_type: error instanceof Error ? error.name : typeof error,
          error: describe(error),
        },
        'rate_limit_backend_error',
      );
      throw new StateUnavailableError();
    }
    if (result.allowed) return;
    audit.warn(
      {
        tool_name: tool,
        limit_type: rule.limitType,
        ...(rule.limitType === 'per_tool' ? { pattern: rule.pattern } : {}),
        current_count: result.count,
        limit: rule.limit,
        window_seconds: rule.windowSeconds,
        retry_after_ms: result.retryAfterMs,
      },
      'rate_limit_exceeded',
    );
    throw new RateLimitError({
      limitType: rule.limitType,
      tool,
      agentId,
      limit: rule.limit,
      windowSeconds: rule.windowSeconds,
      retryAfterMs: result.retryAfterMs,
    });
  }

  const middleware: Middleware = async (call, next) => {
    if (limits.global) await hit(limits.global, call.tool);
    const rule = limits.perTool(call.tool);
    if (rule) await hit(rule, call.tool);
    return next();
  };
  return { middleware, warnings: limits.warnings };
}

/** One line, bounded: backend messages can be long, and the audit line must stay readable. */
function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
