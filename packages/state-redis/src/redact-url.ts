/**
 * The URL with its userinfo (user and password) removed, for logs and error messages. Anything that
 * does not parse is replaced whole: it might be a URL with a password we failed to recognise.
 */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '';
      parsed.password = '';
    }
    return parsed.toString();
  } catch {
    return '(unparseable redis url)';
  }
}

/** A function that removes the URL's secrets from any text, should a library echo them. */
export function secretScrubber(url: string): (text: string) => string {
  const secrets = new Set<string>();
  try {
    const parsed = new URL(url);
    for (const part of [parsed.password, parsed.username]) {
      if (part) {
        secrets.add(part);
        secrets.add(safeDecode(part));
      }
    }
  } catch {
    // An unparseable URL is never echoed whole either.
  }
  secrets.add(url);
  const ordered = [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of ordered) out = out.split(secret).join('***');
    return out;
  };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
