import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/cli/ — the package whose built bin the suite drives. */
export const cliPackageDir = fileURLToPath(new URL('../../', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
/** The package's `bin`: the source-tree launcher that checks Node's version and imports dist/bin.js. */
export const cliBin = join(cliPackageDir, 'bin', 'scoped-mcp.js');
const builtEntry = join(cliPackageDir, 'dist', 'bin.js');
export const manifestsDir = join(repoRoot, 'manifests');
/** Fixture modules live under apps/cli so that `@scoped-mcp/core` resolves from them. */
export const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));

export const buildManifest = join(manifestsDir, 'build-agent.yml');
export const researchManifest = join(manifestsDir, 'research-agent.yml');

/** The suite drives the built CLI; without a build every test would fail with a confusing spawn error. */
export function requireBuiltCli(): void {
  if (!existsSync(builtEntry)) throw new Error(`${builtEntry} does not exist: run \`pnpm build\` first`);
}
