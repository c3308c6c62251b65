import type { DecodeStep } from '../manifest/manifest-types.js';
import { compileFilterPattern } from '../manifest/filter-pattern.js';
import type { Candidate } from './filter-decode.js';

/** A filter rule compiled once at startup; the same regex validation accepted. */
export interface CompiledFilterRule<Action extends string> {
  readonly name: string;
  readonly action: Action;
  readonly decode: readonly DecodeStep[];
  /** Identifies the decode chain, so rules sharing one share the decoded candidates of a value. */
  readonly chainKey: string;
  /** Search (no `g`: `test()` keeps no state between calls). */
  readonly search: RegExp;
  /** The same pattern with `g`, for redaction. */
  readonly replace: RegExp;
}

export function compileFilterRule<Action extends string>(rule: {
  readonly name: string;
  readonly pattern: string;
  readonly action: Action;
  readonly decode: readonly DecodeStep[];
  readonly case_insensitive: boolean;
}): CompiledFilterRule<Action> {
  const caseInsensitive = rule.case_insensitive;
  return {
    name: rule.name,
    action: rule.action,
    decode: [...rule.decode],
    chainKey: rule.decode.join('>'),
    search: compileFilterPattern(rule.pattern, { caseInsensitive }),
    replace: compileFilterPattern(rule.pattern, { caseInsensitive, flags: 'g' }),
  };
}

/** Where a rule matched a value: the raw text, or a derived candidate (named by `via`). */
export type FilterHit =
  | { readonly matchedOn: 'raw' }
  | { readonly matchedOn: 'decoded'; readonly via: string };

/** The first candidate the rule matches: raw first, then derived ones in order. */
export function matchRule(
  rule: CompiledFilterRule<string>,
  raw: string,
  derived: () => readonly Candidate[],
): FilterHit | undefined {
  if (rule.search.test(raw)) return { matchedOn: 'raw' };
  for (const candidate of derived()) {
    if (rule.search.test(candidate.text)) return { matchedOn: 'decoded', via: candidate.via };
  }
  return undefined;
}

/** Audit fields describing a hit; never the matched text. */
export function hitFields(hit: FilterHit): Record<string, string> {
  return hit.matchedOn === 'raw' ? { matched_on: 'raw' } : { matched_on: 'decoded', decoded_by: hit.via };
}
