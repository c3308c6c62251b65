import type { AuditLogger } from '../audit/loggers.js';
import { PolicyError } from '../errors/errors.js';
import type { ArgumentFilterRule } from '../manifest/schema.js';
import {
  type Candidate,
  type CompiledFilterRule,
  compileFilterRule,
  DecodeBudget,
  deriveCandidates,
  type FilterHit,
  hitFields,
  matchRule,
} from '../shared/filter-decode.js';
import type { Middleware } from './compose.js';

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
 * each decode step, in embedded base64 runs, and unescaped / NFKC-normalised (shared/filter-decode.ts). Block
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
        throw new PolicyError(call.tool, 'argument');
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

interface ArgumentHit {
  readonly value: InspectedString;
  readonly hit: FilterHit;
}

/**
 * The strings of one call's arguments, collected and decoded lazily and at most once per decode chain,
 * so several rules over the same fields share the work.
 */
class ArgumentInspection {
  readonly budget = new DecodeBudget();
  private readonly byField = new Map<string, readonly InspectedString[]>();
  private everything: readonly InspectedString[] | undefined;
  private readonly derived = new Map<InspectedString, Map<string, readonly Candidate[]>>();

  constructor(private readonly args: Readonly<Record<string, unknown>>) {}

  /** The first value (in field order, then document order) the rule matches. */
  find(rule: CompiledFilterRule<string>, fields: FieldSelection): ArgumentHit | undefined {
    for (const value of this.strings(fields)) {
      const hit = matchRule(rule, value.text, () => this.candidates(value, rule));
      if (hit) return { value, hit };
    }
    return undefined;
  }

  private strings(fields: FieldSelection): readonly InspectedString[] {
    if (fields === '*') {
      if (this.everything === undefined) {
        const all: InspectedString[] = [];
        for (const name of Object.keys(this.args)) {
          // Under '*' the argument names are text the agent chose, too.
          all.push({ field: name, text: name, location: 'name' });
          // Not push(...spread): an argument can hold more strings than a call can take arguments.
          for (const value of this.field(name)) all.push(value);
        }
        this.everything = all;
      }
      return this.everything;
    }
    if (fields.length === 1) return this.field(fields[0] as string);
    return fields.flatMap((name) => this.field(name));
  }

  private field(name: string): readonly InspectedString[] {
    let strings = this.byField.get(name);
    if (strings === undefined) {
      strings = Object.hasOwn(this.args, name) ? fieldStrings(name, this.args[name]) : [];
      this.byField.set(name, strings);
    }
    return strings;
  }

  private candidates(value: InspectedString, rule: CompiledFilterRule<string>): readonly Candidate[] {
    let byChain = this.derived.get(value);
    if (!byChain) {
      byChain = new Map();
      this.derived.set(value, byChain);
    }
    let candidates = byChain.get(rule.chainKey);
    if (!candidates) {
      candidates = deriveCandidates(value.text, rule.decode, this.budget, value.field);
      byChain.set(rule.chainKey, candidates);
    }
    return candidates;
  }
}

/** `'*'` (every argument, at any depth, names and keys included) or a list of top-level argument names. */
type FieldSelection = '*' | readonly string[];

function fieldSelection(fields: readonly string[]): FieldSelection {
  return fields.includes('*') ? '*' : [...new Set(fields)];
}

/** One string an argument filter looks at, and where it sits. */
interface InspectedString {
  /** The top-level argument it belongs to. */
  readonly field: string;
  readonly text: string;
  /** `value`: a string leaf; `key`: an object key inside the argument; `name`: the argument's own name. */
  readonly location: 'value' | 'key' | 'name';
}

/**
 * Every string leaf and object key inside one argument, in document order. Iterative, so a deeply
 * nested argument cannot overflow the stack. Only plain objects and arrays are walked (arguments are
 * parsed JSON); numbers, booleans and null are not text.
 */
function fieldStrings(field: string, value: unknown): InspectedString[] {
  const out: InspectedString[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      out.push({ field, text: current, location: 'value' });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push(current[i]);
    } else if (isPlainObject(current)) {
      const keys = Object.keys(current);
      // Keys are pushed as KeyMarkers so they come out before their own value.
      for (let i = keys.length - 1; i >= 0; i--) {
        const key = keys[i] as string;
        stack.push(current[key]);
        stack.push(new KeyMarker(key));
      }
    } else if (current instanceof KeyMarker) {
      out.push({ field, text: current.key, location: 'key' });
    }
  }
  return out;
}

class KeyMarker {
  constructor(readonly key: string) {}
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
