import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The version of this copy of @scoped-mcp/core (read once, at startup). */
export function coreVersion(): string {
  cached ??= ownPackageJson().version;
  return cached;
}

/**
 * The nearest package.json above this file that is core's own: the source tree and the bundled build
 * (entry files and chunks at different depths) both find it.
 */
function ownPackageJson(): { version: string } {
  let url = new URL('./', import.meta.url);
  for (let depth = 0; depth < 6; depth++) {
    url = new URL('../', url);
    let text: string;
    try {
      text = readFileSync(new URL('package.json', url), 'utf8');
    } catch {
      continue;
    }
    const json = JSON.parse(text) as { name?: string; version?: string };
    if (json.name === '@scoped-mcp/core' && typeof json.version === 'string') {
      return { version: json.version };
    }
  }
  throw new Error('@scoped-mcp/core: its package.json was not found next to the code');
}
