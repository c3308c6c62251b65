import type { AuditLogger } from '../audit/loggers.js';
import { errorLine, errorName } from '../errors/error-line.js';
import { RateLimitError, StateUnavailableError } from '../errors/errors.js';
import type { RateLimitsConfig } from '../manifest/schema.js';
import { compileGlob } from '../shared/glob.js';
import { sanitizeKeyPart } from '../state/agent-state.js';
import type { SlidingWindowResult, StateBackend } from '../state/types.js';
import type { Middleware } from './compose.js';

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
          error_type: errorName(error),
          // Bounded: backend messages can be long, and the audit line must stay readable.
          error: errorLine(error, 200),
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

interface RateRule extends RateWindow {
  readonly limitType: 'global' | 'per_tool';
  /** The manifest's text: `global` or the per_tool pattern. */
  readonly pattern: string;
  /** State key, relative to the agent's prefix. */
  readonly key: string;
}

interface PatternRule extends RateRule {
  readonly matches: (tool: string) => boolean;
}

interface CompiledRateLimits {
  readonly global: RateRule | undefined;
  /** The per_tool rule for a tool: the first pattern in manifest order that matches it. */
  perTool(tool: string): RateRule | undefined;
  readonly warnings: string[];
}

/** Everything decided once at startup: windows parsed, globs compiled, each known tool's rule looked up. */
function compileRateLimits(config: RateLimitsConfig, toolNames: readonly string[]): CompiledRateLimits {
  const global: RateRule | undefined =
    config.global == null
      ? undefined
      : { ...parseRateSpec(config.global), limitType: 'global', pattern: 'global', key: 'rate:global' };
  const rules: PatternRule[] = Object.entries(config.per_tool).map(([pattern, spec]) => ({
    ...parseRateSpec(spec),
    limitType: 'per_tool',
    pattern,
    // All tools matching one glob share this window, as in the reference.
    key: `rate:${sanitizeKeyPart(pattern)}`,
    matches: compileGlob(pattern),
  }));
  const firstMatch = (tool: string) => rules.find((rule) => rule.matches(tool));
  const known = new Map(toolNames.map((tool) => [tool, firstMatch(tool)]));
  return {
    global,
    // Tools registered later (a proxy's refreshed list) are not in the map and take the slow path.
    perTool: (tool) => (known.has(tool) ? known.get(tool) : firstMatch(tool)),
    warnings: patternWarnings(rules, toolNames, known),
  };
}

function patternWarnings(
  rules: readonly PatternRule[],
  toolNames: readonly string[],
  chosen: ReadonlyMap<string, PatternRule | undefined>,
): string[] {
  const warnings: string[] = [];
  for (const rule of rules) {
    const matched = toolNames.filter((tool) => rule.matches(tool));
    if (matched.length === 0) {
      const hint = rule.pattern.includes('.')
        ? ` Tool names join module and tool with '_' (e.g. 'mcp_proxy_*'), never '.'.`
        : '';
      warnings.push(
        `rate_limits.per_tool pattern '${rule.pattern}' matches no registered tool, so it limits nothing.${hint}`,
      );
    } else if (matched.every((tool) => chosen.get(tool) !== rule)) {
      warnings.push(
        `rate_limits.per_tool pattern '${rule.pattern}' never applies: every tool it matches is limited by an earlier pattern (the first match wins).`,
      );
    }
  }
  return warnings;
}

const UNIT_SECONDS = { second: 1, minute: 60, hour: 3600 } as const;
const SPEC = /^(\d+)\/(second|minute|hour)$/;

/** A parsed `<N>/second|minute|hour`. */
interface RateWindow {
  readonly limit: number;
  readonly windowSeconds: number;
  readonly windowMs: number;
}

/** The manifest schema has already checked the form; this still refuses anything else, never guessing. */
export function parseRateSpec(spec: string): RateWindow {
  const match = SPEC.exec(spec);
  const limit = match ? Number(match[1]) : Number.NaN;
  if (!match || !Number.isSafeInteger(limit)) {
    throw new Error(`rate limit '${spec}' must be '<N>/second|minute|hour'`);
  }
  const windowSeconds = UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  return { limit, windowSeconds, windowMs: windowSeconds * 1000 };
}
