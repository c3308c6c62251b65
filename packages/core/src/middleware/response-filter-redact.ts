import type { Candidate } from './filter-decode.js';
import { type CompiledFilterRule, matchRule } from './filter-decode-rule.js';

export const REDACTION = '[REDACTED]';

/** Runs of text between delimiters; encodings (base64, percent-escapes) never contain a delimiter. */
const TOKEN = /[^\s"'`()<>[\]{},;]+/g;

export interface Redacted {
  readonly text: string;
  /** True when only a derived candidate matched, so the redaction had to find the encoded text. */
  readonly decodedOnly: boolean;
}

/**
 * `[REDACTED]` in place of every raw match, as the reference does. Beyond it, a match that is only
 * visible after decoding or normalising is redacted too: each token (a run between whitespace, quotes,
 * brackets, commas and semicolons) whose own candidates match is replaced whole — the base64 blob or
 * percent-encoded URL that hides the match. If the text still matches after that (a match spanning
 * tokens), the whole string becomes `[REDACTED]`: failing towards redaction, never towards leaking.
 */
export function redactMatches(
  rule: CompiledFilterRule<string>,
  text: string,
  derive: (text: string) => readonly Candidate[],
): Redacted {
  let out = text;
  let decodedOnly = true;
  if (rule.search.test(out)) {
    out = out.replace(rule.replace, REDACTION);
    decodedOnly = false;
  }
  if (!matchRule(rule, out, () => derive(out))) return { text: out, decodedOnly };
  out = out.replace(TOKEN, (token) =>
    token !== REDACTION && matchRule(rule, token, () => derive(token)) ? REDACTION : token,
  );
  if (matchRule(rule, out, () => derive(out))) out = REDACTION;
  return { text: out, decodedOnly };
}
