import type { AuditLogger } from '../audit/audit-logger.js';
import type { ArgumentFilterRule } from '../manifest/manifest-types.js';
import { argumentPolicyMessage, PolicyError } from './argument-filter-error.js';
import {
  type ArgumentHit,
  ArgumentInspection,
  type FieldSelection,
  fieldSelection,
} from './argument-filter-inspection.js';
import type { InspectedString } from './argument-filter-walk.js';
import type { DecodeBudget } from './filter-decode.js';
import { type CompiledFilterRule, compileFilterRule, hitFields } from './filter-decode-rule.js';
import type { Middleware } from './types.js';

export interface ArgumentFilterOptions {
  readonly rules: readonly ArgumentFilterRule[];
  readonly audit: AuditLogger;
  readonly agentId: string;
}

interface ArgumentRule extends CompiledFilterRule<'block' | 'warn'> {
  readonly fields: FieldSelection;
}

/** Longest argument name an audit line carries (names under '*' are chosen by the agent). */
const MAX_FIELD_NAME = 64;

/**
 * Reference §5.3, extended: strings nested in objects and arrays are inspected (a named field's whole
 * subtree; under '*' every string, object key and argument name), and each value is matched raw, after
 * each decode step, in embedded base64 runs, and unescaped / NFKC-normalised (filter-decode.ts). Block
 * rules run first, in manifest order, and the first hit refuses the call; then every warn rule that
 * matches is audited and the call proceeds. Matched text is never logged or shown.
 */
export function createArgumentFilterMiddleware(options: ArgumentFilterOptions): Middleware {
  const { audit, agentId } = options;
  const compile = (rule: ArgumentFilterRule): ArgumentRule => ({
    ...compileFilterRule(rule),
    fields: fieldSelection(rule.fields),
  });
  const block = options.rules.filter((r) => r.action === 'block').map(compile);
  const warn = options.rules.filter((r) => r.action === 'warn').map(compile);

  return async (call, next) => {
    const inspection = new ArgumentInspection(call.args);
    for (const rule of block) {
      const found = inspection.find(rule, rule.fields);
      if (found) {
        audit.warn(hitRecord(agentId, call.tool, rule, found), 'argument_filter_blocked');
        reportSkipped(audit, agentId, call.tool, inspection.budget);
        throw new PolicyError(argumentPolicyMessage(call.tool));
      }
    }
    for (const rule of warn) {
      const found = inspection.find(rule, rule.fields);
      if (found) audit.warn(hitRecord(agentId, call.tool, rule, found), 'argument_filter_warning');
    }
    reportSkipped(audit, agentId, call.tool, inspection.budget);
    return next();
  };
}

function hitRecord(
  _agentId: string,
  tool: string,
  rule: ArgumentRule,
  found: ArgumentHit,
): Record<string, unknown> {
  return {
    tool,
    filter_name: rule.name,
    ...fieldFields(found.value),
    ...hitFields(found.hit),
  };
}

/** The argument's name, unless the name itself is what matched (then it is the matched text). */
function fieldFields(value: InspectedString): Record<string, unknown> {
  if (value.location === 'name') return { field_name: null, location: 'name' };
  return { field_name: clip(value.field), location: value.location };
}

/** Values matched raw only are worth knowing about: an encoded payload there was not decoded. */
function reportSkipped(audit: AuditLogger, _agentId: string, tool: string, budget: DecodeBudget): void {
  for (const [reason, fields] of budget.skipped) {
    audit.info({ tool, reason, field_names: [...fields].map(clip) }, 'argument_filter_decode_skipped');
  }
}

function clip(name: string): string {
  return name.length > MAX_FIELD_NAME ? `${name.slice(0, MAX_FIELD_NAME)}…` : name;
}
