import type { DecodeStep } from '../manifest/manifest-types.js';
import { decodeRuns, decodeWhole, MAX_ENCODED_CHARS } from './filter-decode-steps.js';
import { normalizeText, unescapeText } from './filter-decode-variants.js';

/** A text a filter pattern is matched against, besides the raw value. */
export interface Candidate {
  readonly text: string;
  /** How it was derived from the raw value, e.g. `url>base64`, `base64[runs]`, `unescape>nfkc`. */
  readonly via: string;
}

/**
 * Derived text produced per call (arguments) or per response, across every value and rule: a call with
 * many mid-sized encoded values cannot make the filters decode without end. 1 MiB is 16 values of the
 * largest size that is decoded at all.
 */
export const DECODE_BUDGET_CHARS = 1024 * 1024;

/** Why some value was matched raw only. */
export type SkipReason = 'value_too_large' | 'budget_exhausted';

/** Shared by every value of one call: counts derived text and remembers why anything was skipped. */
export class DecodeBudget {
  private remaining: number;
  /** Names of the values (fields) that were matched raw only, by reason; bounded. */
  readonly skipped = new Map<SkipReason, Set<string>>();

  constructor(chars: number = DECODE_BUDGET_CHARS) {
    this.remaining = chars;
  }

  take(chars: number, where: string): boolean {
    if (chars > this.remaining) {
      this.remaining = 0;
      this.skip('budget_exhausted', where);
      return false;
    }
    this.remaining -= chars;
    return true;
  }

  skip(reason: SkipReason, where: string): void {
    let names = this.skipped.get(reason);
    if (!names) {
      names = new Set();
      this.skipped.set(reason, names);
    }
    if (names.size < 10) names.add(where);
  }
}

/**
 * Every derived candidate of `text` for one decode chain. The chain follows the reference (§5.3): each
 * step applies to the last successful value, a failed step is skipped. Beyond it, base64 steps also
 * decode runs embedded in longer text, and every candidate (raw included) adds its unescaped and
 * NFKC-normalised forms. The raw text itself is not included. Values too large to decode, and anything
 * past the budget, yield fewer candidates (raw is always matched) and are recorded in the budget.
 */
export function deriveCandidates(
  text: string,
  chain: readonly DecodeStep[],
  budget: DecodeBudget,
  where: string,
): Candidate[] {
  if (text.length > MAX_ENCODED_CHARS) {
    budget.skip('value_too_large', where);
    return [];
  }
  const out: Candidate[] = [];
  const seen = new Set<string>([text]);
  let exhausted = false;
  /** Adds a new candidate; false only when the budget refused it. */
  const add = (candidate: Candidate): boolean => {
    if (seen.has(candidate.text)) return true;
    if (!budget.take(candidate.text.length, where)) {
      exhausted = true;
      return false;
    }
    seen.add(candidate.text);
    out.push(candidate);
    return true;
  };

  let frontier: Candidate[] = [{ text, via: '' }];
  for (const step of chain) {
    const next: Candidate[] = [];
    for (const current of frontier) {
      const produced: Candidate[] = [];
      const whole = decodeWhole(step, current.text);
      if (whole !== undefined) produced.push({ text: whole, via: join(current.via, step) });
      const runs = decodeRuns(step, current.text);
      if (runs !== undefined) produced.push({ text: runs, via: join(current.via, `${step}[runs]`) });
      for (const candidate of produced) if (!add(candidate)) return out;
      // A failed step is skipped: the chain goes on from the last value that decoded.
      next.push(...(produced.length > 0 ? produced : [current]));
    }
    frontier = next;
  }

  const bases: Candidate[] = [{ text, via: '' }, ...out];
  for (const base of bases) {
    if (exhausted) break;
    const unescaped = unescapeText(base.text);
    const forms =
      unescaped === undefined ? [base] : [base, { text: unescaped, via: join(base.via, 'unescape') }];
    if (unescaped !== undefined && !add(forms[1] as Candidate)) break;
    for (const form of forms) {
      const normalized = normalizeText(form.text);
      if (normalized !== undefined && !add({ text: normalized, via: join(form.via, 'nfkc') })) break;
    }
  }
  return out;
}

function join(via: string, step: string): string {
  return via.length === 0 ? step : `${via}>${step}`;
}
