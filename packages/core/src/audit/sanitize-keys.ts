/**
 * Keys whose value is never logged, whatever it looks like.
 *
 * The reference list, plus private_key, client_secret, x-api-key, and a few header and config names
 * (proxy-authorization, set-cookie, passphrase, credentials). The suffix rule is the reference's: the
 * key upper-cased ends with _TOKEN, _PASSWORD, ... — so `sort_key` and `primary_key` are redacted too
 * (kept: a false positive costs a log value, a miss costs a credential), while `session_id` is not.
 * Ours: `-` counts as `_` for the suffix rule, so header names like `X-Auth-Token` are covered.
 */
const SENSITIVE_NAMES: ReadonlySet<string> = new Set([
  'authorization',
  'cookie',
  'session',
  'bearer',
  'password',
  'passwd',
  'token',
  'secret',
  'api_key',
  'apikey',
  'access_token',
  'refresh_token',
  'lease_id',
  'accessor',
  'secret_id',
  'role_id',
  'private_key',
  'client_secret',
  'x-api-key',
  'proxy-authorization',
  'set-cookie',
  'passphrase',
  'credentials',
]);

const SENSITIVE_SUFFIX = /_(?:TOKEN|PASSWORD|SECRET|KEY|CREDENTIALS|PWD|PASS|AUTH)$/;

export function isSensitiveKey(key: string): boolean {
  if (SENSITIVE_NAMES.has(key.toLowerCase())) return true;
  return SENSITIVE_SUFFIX.test(key.toUpperCase().replaceAll('-', '_'));
}
