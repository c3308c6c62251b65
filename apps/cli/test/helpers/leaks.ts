/** The spellings of a secret that a leak detector must look for in any text. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    bytes.toString('base64'),
    bytes.toString('base64url'),
    bytes.toString('base64').replace(/=+$/, ''),
  ];
}

const BASE64_RUN = /[A-Za-z0-9+/_-]{12,}={0,2}/g;

/**
 * Where `secret` shows up in `text`: any literal form, or inside any base64 / base64url run that decodes to
 * something containing it (catches a secret encoded together with other text). Empty when clean.
 */
export function findLeaks(text: string, secret: string): string[] {
  const found = secretForms(secret).filter((form) => text.includes(form));
  for (const [run] of text.matchAll(BASE64_RUN)) {
    for (const encoding of ['base64', 'base64url'] as const) {
      if (Buffer.from(run, encoding).toString('utf8').includes(secret)) found.push(`${encoding}(${run})`);
    }
  }
  return found;
}
