import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The version of this copy of @scoped-mcp/core (read once, at startup). */
export function coreVersion(): string {
  if (cached === undefined) {
    const json = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    cached = json.version;
  }
  return cached;
}
