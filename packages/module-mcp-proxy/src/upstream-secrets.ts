import type { McpProxyConfig } from './config.js';

/** Names under which a value is a secret whatever it looks like. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASS|PWD|AUTH|CRED|PRIVATE|SESSION|COOKIE|SIGNATURE|SIG$|BEARER/i;
/**
 * A value shaped like a generated credential under any name: 16 or more characters of the alphabets
 * tokens use, with letters and digits. Paths, words and URLs do not have this shape.
 */
const TOKEN_SHAPED = /^(?=[^/.]).{16,}$/;
const TOKEN_ALPHABET = /^[A-Za-z0-9_\-+/=.~]+$/;

function tokenShaped(value: string): boolean {
  return (
    TOKEN_SHAPED.test(value) &&
    TOKEN_ALPHABET.test(value) &&
    /[A-Za-z]/.test(value) &&
    /[0-9]/.test(value) &&
    !value.includes('//')
  );
}

/**
 * What this instance hands its upstream that the agent must never read (the module's `secrets`
 * declaration; core redacts them on every channel and from every log):
 * - `env:` values of a stdio upstream whose name says secret (`API_TOKEN`, `DB_PASSWORD`) or that are
 *   shaped like a token, and the credentials inside URL-valued ones;
 * - header values of an HTTP upstream whose name says secret (`Authorization`, `X-Api-Key`, `Cookie`) or
 *   that are shaped like a token, and the token after a scheme (`Bearer <token>`);
 * - the URL's user name and password, and query values whose name says secret or that look like a token.
 * Values from the credential source (`credential_env`, `{ credential: KEY }` headers) are credentials
 * already: core redacts them without this list. Ordinary values (`LOG_LEVEL=debug`, `Accept:
 * application/json`, a path) are left out, so results that mention them are not blanked.
 */
export function upstreamSecretValues(config: Pick<McpProxyConfig, 'env' | 'headers' | 'url'>): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(config.env)) {
    if (SECRET_NAME.test(name) || tokenShaped(value)) values.add(value);
    for (const secret of urlSecrets(value)) values.add(secret);
  }
  for (const [name, value] of Object.entries(config.headers)) {
    if (typeof value !== 'string') continue;
    const token = /^\s*\S+\s+(\S+)\s*$/.exec(value)?.[1];
    if (SECRET_NAME.test(name) || tokenShaped(value)) values.add(value);
    if (token !== undefined && (SECRET_NAME.test(name) || tokenShaped(token))) values.add(token);
  }
  if (config.url !== undefined) for (const secret of urlSecrets(config.url)) values.add(secret);
  return [...values];
}

/** The user name, password and secret query values of a URL-valued text (none when it is no URL). */
function urlSecrets(text: string): string[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return [];
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return [];
  }
  const out: string[] = [];
  if (url.username) out.push(decodeURIComponent(url.username));
  if (url.password) out.push(decodeURIComponent(url.password));
  for (const [name, value] of url.searchParams) {
    if (SECRET_NAME.test(name) || tokenShaped(value)) out.push(value);
  }
  return out;
}
