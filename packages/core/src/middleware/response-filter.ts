import type { AuditLogger } from '../audit/audit-logger.js';
import { isScopedMcpError, ScopedMcpError } from '../errors/scoped-mcp-error.js';
import type { ResponseFilterRule } from '../manifest/manifest-types.js';
import type { ToolOutput } from '../module/types.js';
import { PolicyError, responsePolicyMessage } from './argument-filter-error.js';
import { type Candidate, DecodeBudget, deriveCandidates } from './filter-decode.js';
import {
  type CompiledFilterRule,
  compileFilterRule,
  type FilterHit,
  hitFields,
  matchRule,
} from './filter-decode-rule.js';
import { mapOutputStrings } from './response-filter-output.js';
import { redactMatches } from './response-filter-redact.js';
import type { Middleware } from './types.js';

export interface ResponseFilterOptions {
  readonly rules: readonly ResponseFilterRule[];
  readonly audit: AuditLogger;
  readonly agentId: string;
}

type ResponseRule = CompiledFilterRule<'block' | 'warn' | 'redact'>;

/**
 * Reference §5.5, the innermost middleware: it filters what the handler returned before anything else
 * sees it. Every string the agent will read is checked (response-filter-output.ts), rules in manifest
 * order, each rule's output feeding the next: `block` refuses the whole response, `warn` audits,
 * `redact` replaces the match (also one only visible after decoding, see response-filter-redact.ts).
 * Agent-visible error messages a handler throws are filtered the same way.
 */
export function createResponseFilterMiddleware(options: ResponseFilterOptions): Middleware {
  const { audit, agentId } = options;
  const rules: ResponseRule[] = options.rules.map((rule) => compileFilterRule(rule));

  return async (call, next) => {
    const pass = new ResponsePass(rules, audit, agentId, call.tool);
    let output: ToolOutput;
    try {
      output = await next();
    } catch (error) {
      throw pass.filterError(error);
    }
    const filtered = mapOutputStrings(output, (text) => pass.apply(text));
    pass.report();
    return filtered;
  };
}

interface Tally {
  count: number;
  decoded: number;
  first: FilterHit;
}

/** One response: shared decode budget, per-rule counts for the audit lines written at the end. */
class ResponsePass {
  private readonly budget = new DecodeBudget();
  private readonly warned = new Map<ResponseRule, Tally>();
  private readonly redacted = new Map<ResponseRule, Tally>();

  constructor(
    private readonly rules: readonly ResponseRule[],
    private readonly audit: AuditLogger,
    _agentId: string,
    private readonly tool: string,
  ) {}

  apply(text: string): string {
    let current = text;
    // Rules sharing a decode chain share the candidates of the current text.
    let cache = new Map<string, readonly Candidate[]>();
    const derived = (rule: ResponseRule, value: string): readonly Candidate[] => {
      if (value !== current) return deriveCandidates(value, rule.decode, this.budget, 'response');
      let candidates = cache.get(rule.chainKey);
      if (!candidates) {
        candidates = deriveCandidates(value, rule.decode, this.budget, 'response');
        cache.set(rule.chainKey, candidates);
      }
      return candidates;
    };
    for (const rule of this.rules) {
      const hit = matchRule(rule, current, () => derived(rule, current));
      if (!hit) continue;
      if (rule.action === 'block') {
        this.audit.warn(
          { tool: this.tool, filter_name: rule.name, ...hitFields(hit) },
          'response_filter_blocked',
        );
        this.reportSkipped();
        throw new PolicyError(responsePolicyMessage(this.tool));
      }
      if (rule.action === 'warn') {
        tally(this.warned, rule, hit);
        continue;
      }
      const result = redactMatches(rule, current, (value) => derived(rule, value));
      tally(this.redacted, rule, hit);
      if (result.text !== current) {
        current = result.text;
        cache = new Map();
      }
    }
    return current;
  }

  /** A ScopedMcpError's message reaches the agent, so it is output too; other errors reach it as a ref only. */
  filterError(error: unknown): unknown {
    if (!isScopedMcpError(error)) return error;
    let filtered: string;
    try {
      filtered = this.apply(error.message);
    } catch (blocked) {
      return blocked;
    }
    this.report();
    if (filtered === error.message) return error;
    const replacement = new ScopedMcpError(error.code, filtered);
    replacement.name = error.name;
    return replacement;
  }

  report(): void {
    const base = { tool: this.tool };
    for (const [rule, t] of this.warned) {
      this.audit.warn(
        { ...base, filter_name: rule.name, count: t.count, ...hitFields(t.first) },
        'response_filter_warning',
      );
    }
    for (const [rule, t] of this.redacted) {
      this.audit.warn(
        { ...base, filter_name: rule.name, count: t.count, decoded_count: t.decoded },
        'response_filter_redacted',
      );
    }
    this.reportSkipped();
  }

  private reportSkipped(): void {
    for (const reason of this.budget.skipped.keys()) {
      this.audit.info({ tool: this.tool, reason }, 'response_filter_decode_skipped');
    }
  }
}

function tally(map: Map<ResponseRule, Tally>, rule: ResponseRule, hit: FilterHit): void {
  const t = map.get(rule);
  const decoded = hit.matchedOn === 'decoded' ? 1 : 0;
  if (t) {
    t.count++;
    t.decoded += decoded;
  } else {
    map.set(rule, { count: 1, decoded, first: hit });
  }
}
