import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json.js';

// The arguments an approval is about: the canonical JSON of the parsed arguments, which the args hash binds
// and which the operator reads before approving. One text for both, so what the operator approves is
// exactly what runs. Only credential values this process holds are taken out of what is stored (matched
// exactly, by core's secret redactor); nothing is cut, and the audit sanitiser's guesses (key names, hex
// runs, depth and width limits) are not applied: they would hide what the operator decides on.

/** Hex characters kept from the SHA-256: 128 bits, far beyond any collision an agent could search for. */
const ARGS_HASH_LENGTH = 32;
export const ARGS_HASH_PATTERN = /^[0-9a-f]{32}$/;

/**
 * Binds an approval to the exact arguments: the first 32 hex characters of the SHA-256 of the canonical
 * JSON of the *parsed* arguments (object keys sorted by code unit, no whitespace). Parsed, so an omitted
 * argument and its explicit default hash the same — the handler sees the same call either way.
 *
 * This is deliberately not the reference's hash (16 hex characters of Python `json.dumps` with its
 * `", "` separators): approval tokens are written and consumed by the same implementation, and are never
 * portable between the Python and TypeScript versions anyway.
 *
 * Throws on a value JSON cannot express faithfully (a cycle, extreme nesting): the caller refuses the call
 * rather than fall back to a shared constant, which would let one approval cover other arguments.
 */
export function argsHash(args: unknown): string {
  return canonicalHash(canonicalJson(args));
}

/** argsHash of arguments already written as canonical JSON. */
export function canonicalHash(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex').slice(0, ARGS_HASH_LENGTH);
}

/**
 * Replaces every credential value the server holds, wherever it occurs in a JSON value (strings and keys,
 * in any encoding the secret redactor knows). Must return the value itself when it held none: that is how
 * the record knows whether it redacted anything.
 */
export type CredentialRedactor = <T>(value: T) => T;

export interface RecordedArguments {
  /** Canonical JSON, credential values replaced by `<redacted-secret>`. */
  readonly text: string;
  /** Whether any credential value was replaced (then `text` no longer hashes to the args hash). */
  readonly redactedCredentials: boolean;
}

/**
 * What the approval record stores of the canonical arguments. The redactor walks the parsed canonical text,
 * not the handler's arguments: that is a plain JSON value whatever the tool's schema made of the input
 * (a Map, a Date), so every string the operator will read is looked at.
 */
export function recordedArguments(canonical: string, redact: CredentialRedactor): RecordedArguments {
  const plain: unknown = JSON.parse(canonical);
  const redacted = redact(plain);
  return redacted === plain
    ? { text: canonical, redactedCredentials: false }
    : { text: canonicalJson(redacted), redactedCredentials: true };
}

/**
 * Whether a stored record shows the operator the arguments it approves: present, canonical JSON, and —
 * unless credential values were replaced — hashing to the record's args hash. A record written by an
 * older version (a sanitised summary only) or by anything else cannot be approved.
 */
export function argumentsReviewable(record: {
  readonly arguments: string | null;
  readonly redacted_credentials: boolean;
  readonly args_hash: string;
}): boolean {
  const text = record.arguments;
  if (text === null) return false;
  if (!record.redacted_credentials) return canonicalHash(text) === record.args_hash;
  try {
    return canonicalJson(JSON.parse(text)) === text;
  } catch {
    return false;
  }
}

/** The recorded arguments laid out for a person (`hitl show`): two spaces per level, keys in canonical order. */
export function prettyArguments(text: string): string {
  return escapeInvisible(canonicalJson(JSON.parse(text), { indent: 2 }));
}

/** The recorded arguments on one line (`hitl list`): the canonical text itself, made safe for a terminal. */
export function oneLineArguments(text: string): string {
  return escapeInvisible(text);
}

/**
 * JSON escapes C0 controls; these survive it and can still break or reorder a line on an operator's screen
 * (C1 controls, bidirectional overrides, zero-width characters, line and paragraph separators). Inside JSON
 * strings the `\uXXXX` form means the same character, so the text stays the same JSON value.
 */
export function escapeInvisible(text: string): string {
  return text.replace(
    /[\u007f-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  );
}
