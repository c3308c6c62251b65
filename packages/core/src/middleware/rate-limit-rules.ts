import type { RateLimitsConfig } from '../manifest/manifest-types.js';
import { sanitizeKeyPart } from '../state/agent-state.js';
import { compileGlob } from './glob.js';
import { parseRateSpec, type RateWindow } from './rate-limit-spec.js';

export interface RateRule extends RateWindow {
  readonly limitType: 'global' | 'per_tool';
  /** The manifest's text: `global` or the per_tool pattern. */
  readonly pattern: string;
  /** State key, relative to the agent's prefix. */
  readonly key: string;
}

interface PatternRule extends RateRule {
  readonly matches: (tool: string) => boolean;
}

export interface CompiledRateLimits {
  readonly global: RateRule | undefined;
  /** The per_tool rule for a tool: the first pattern in manifest order that matches it. */
  perTool(tool: string): RateRule | undefined;
  readonly warnings: string[];
}

/** Everything decided once at startup: windows parsed, globs compiled, each known tool's rule looked up. */
export function compileRateLimits(
  config: RateLimitsConfig,
  toolNames: readonly string[],
): CompiledRateLimits {
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
