import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The CLI's package directory: modules installed next to the CLI are found from here. */
export const cliDir = fileURLToPath(new URL('..', import.meta.url));

export const cliVersion = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
