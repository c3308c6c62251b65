import { type Candidate, DecodeBudget, deriveCandidates } from './filter-decode.js';
import type { CompiledFilterRule, FilterHit } from './filter-decode-rule.js';
import { matchRule } from './filter-decode-rule.js';
import { fieldStrings, type InspectedString } from './argument-filter-walk.js';

export interface ArgumentHit {
  readonly value: InspectedString;
  readonly hit: FilterHit;
}

/**
 * The strings of one call's arguments, collected and decoded lazily and at most once per decode chain,
 * so several rules over the same fields share the work.
 */
export class ArgumentInspection {
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
export type FieldSelection = '*' | readonly string[];

export function fieldSelection(fields: readonly string[]): FieldSelection {
  return fields.includes('*') ? '*' : [...new Set(fields)];
}
