import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretRedactor, redactSecretsInValue } from '../redact/secrets.js';
import { canonicalJson } from '../shared/canonical-json.js';
import {
  ARGS_HASH_PATTERN,
  argsHash,
  argumentsReviewable,
  canonicalHash,
  escapeInvisible,
  oneLineArguments,
  prettyArguments,
  recordedArguments,
} from './approval-arguments.js';

const CREDENTIAL = 'pw-Hunter2-Correct';
const redactor = createSecretRedactor([CREDENTIAL]);
const redact = <T>(value: T): T => redactSecretsInValue(value, redactor);

describe('argsHash', () => {
  it('is the first 32 hex characters of the SHA-256 of the canonical JSON', () => {
    const expected = createHash('sha256').update('{"path":"a.txt","text":"hi"}').digest('hex').slice(0, 32);
    expect(argsHash({ text: 'hi', path: 'a.txt' })).toBe(expected);
    expect(argsHash({})).toMatch(ARGS_HASH_PATTERN);
  });

  it('ignores key order but not values, types or nesting', () => {
    const base = argsHash({ a: 1, b: 'x' });
    expect(argsHash({ b: 'x', a: 1 })).toBe(base);
    expect(argsHash({ a: '1', b: 'x' })).not.toBe(base);
    expect(argsHash({ a: 1, b: 'x ' })).not.toBe(base);
    expect(argsHash({ a: 1, b: 'x', c: null })).not.toBe(base);
    expect(argsHash({ a: [1], b: 'x' })).not.toBe(base);
  });
});

describe('recordedArguments', () => {
  it('keeps the canonical text itself when it holds no credential value', () => {
    const canonical = canonicalJson({
      sql: `UPDATE t SET note='${'x'.repeat(600)}', balance = 0`,
      sort_key: 'k',
    });
    expect(recordedArguments(canonical, redact)).toEqual({ text: canonical, redactedCredentials: false });
  });

  it('replaces exact credential values, in values and keys, in any encoding the redactor knows, and says so', () => {
    const args = {
      dsn: `postgres://app:${CREDENTIAL}@db/x`,
      [CREDENTIAL]: 1,
      b64: Buffer.from(CREDENTIAL).toString('base64'),
      api_key: 'not-held',
    };
    const recorded = recordedArguments(canonicalJson(args), redact);
    expect(recorded.redactedCredentials).toBe(true);
    expect(recorded.text).not.toContain(CREDENTIAL);
    expect(recorded.text).not.toContain(Buffer.from(CREDENTIAL).toString('base64'));
    expect(JSON.parse(recorded.text)).toEqual({
      '<redacted-secret>': 1,
      api_key: 'not-held',
      b64: '<redacted-secret>',
      dsn: 'postgres://app:<redacted-secret>@db/x',
    });
    // Still canonical: the same value always gives the same record.
    expect(canonicalJson(JSON.parse(recorded.text))).toBe(recorded.text);
  });
});

describe('argumentsReviewable', () => {
  const canonical = canonicalJson({ path: 'a.txt' });
  const record = { arguments: canonical, redacted_credentials: false, args_hash: canonicalHash(canonical) };

  it('accepts the canonical text its hash binds', () => {
    expect(argumentsReviewable(record)).toBe(true);
    expect(canonicalHash(canonical)).toBe(argsHash({ path: 'a.txt' }));
  });

  it('refuses a record without arguments, or whose arguments are not the ones the hash binds', () => {
    expect(argumentsReviewable({ ...record, arguments: null })).toBe(false);
    expect(argumentsReviewable({ ...record, arguments: '{"path":"b.txt"}' })).toBe(false);
    expect(argumentsReviewable({ ...record, arguments: '{"path": "a.txt"}' })).toBe(false);
  });

  it('accepts redacted arguments only as canonical JSON', () => {
    const redacted = { ...record, redacted_credentials: true };
    expect(argumentsReviewable({ ...redacted, arguments: '{"p":"<redacted-secret>"}' })).toBe(true);
    expect(argumentsReviewable({ ...redacted, arguments: '{"p":"x",' })).toBe(false);
    expect(argumentsReviewable({ ...redacted, arguments: '{"b":1,"a":2}' })).toBe(false);
  });
});

describe('showing arguments to the operator', () => {
  it('lays them out with keys in canonical order, every value whole', () => {
    const long = 'x'.repeat(600);
    expect(prettyArguments(canonicalJson({ sql: long, a: { sort_key: 1 } }))).toBe(
      `{\n  "a": {\n    "sort_key": 1\n  },\n  "sql": "${long}"\n}`,
    );
  });

  it('escapes what could break or reorder a line on a terminal, keeping the same JSON value', () => {
    const value = { t: 'a\u202eb\u0085c\u2028d\u200be\u00adf' };
    const text = oneLineArguments(canonicalJson(value));
    expect(text).toBe('{"t":"a\\u202eb\\u0085c\\u2028d\\u200be\\u00adf"}');
    expect(JSON.parse(text)).toEqual(value);
    expect(JSON.parse(prettyArguments(canonicalJson(value)))).toEqual(value);
    expect(escapeInvisible('plain é ✓')).toBe('plain é ✓');
  });
});
