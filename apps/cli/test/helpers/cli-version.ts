import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPackageDir } from './paths.js';

/** The version in apps/cli/package.json: what `--version` and serverInfo must report. */
export const cliVersion = (
  JSON.parse(readFileSync(join(cliPackageDir, 'package.json'), 'utf8')) as { version: string }
).version;
