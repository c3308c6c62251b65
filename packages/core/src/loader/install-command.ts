import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The command that installs `packages` where this scoped-mcp finds them, read from how the CLI itself was
 * installed (its own directory): a global npm, pnpm or yarn install, npx's cache, a project's
 * node_modules (its lockfile names the package manager), or a checkout of this repository. The text
 * follows `fix: ` in a message.
 */
export function installCommand(packages: readonly string[], cliDir: string | undefined): string {
  const list = packages.join(' ');
  const path = (cliDir ?? '').replaceAll('\\', '/');
  const elsewhere = "or install it in the manifest's own project";
  if (path.includes('/_npx/')) {
    // npx's cache is not a place to install into: whatever is added there is gone with the cache.
    return `npm install ${list}   in the manifest's directory (this scoped-mcp runs from npx's cache), or install the CLI with it: npm install -g @scoped-mcp/cli ${list}`;
  }
  if (/\/pnpm\/global\//.test(path))
    return `pnpm add -g ${list}   (next to this scoped-mcp, a global pnpm install), ${elsewhere}`;
  if (/\/yarn\/global\//.test(path))
    return `yarn global add ${list}   (next to this scoped-mcp, a global yarn install), ${elsewhere}`;
  if (
    /\/lib\/node_modules\/@scoped-mcp\/cli\/?$/.test(path) ||
    /\/npm\/node_modules\/@scoped-mcp\/cli\/?$/.test(path)
  ) {
    return `npm install -g ${list}   (next to this scoped-mcp, a global npm install), ${elsewhere}`;
  }
  const project = path.indexOf('/node_modules/');
  if (project > 0) {
    const root = path.slice(0, project);
    return `${projectInstall(root)} ${list}   in ${root} (where this scoped-mcp is installed), ${elsewhere}`;
  }
  return `pnpm add ${list}   (run it in the manifest's project, or next to the scoped-mcp CLI)`;
}

/** The project's package manager, by its lockfile; npm when there is none. */
function projectInstall(root: string): string {
  if (existsSync(join(root, 'pnpm-lock.yaml'))) return 'pnpm add';
  if (existsSync(join(root, 'yarn.lock'))) return 'yarn add';
  if (existsSync(join(root, 'bun.lock')) || existsSync(join(root, 'bun.lockb'))) return 'bun add';
  return 'npm install';
}
