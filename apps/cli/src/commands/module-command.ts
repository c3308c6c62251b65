import { resolve } from 'node:path';
import { runModuleCommand } from '@scoped-mcp/core/runtime';
import type { CommonOptions } from '../options.js';
import { err, out } from '../output.js';
import { cliDir } from '../package-info.js';

/**
 * A command word the CLI does not know itself: the manifest's modules may contribute it (DESIGN.md §3),
 * so core loads them and runs the command of each one that does.
 */
export async function moduleCommand(command: string, options: CommonOptions): Promise<number> {
  if (!options.manifest) {
    err(
      `scoped-mcp ${command}: --manifest PATH is required ('${command}' is not built in, so it can only come ` +
        `from a module of the manifest; see scoped-mcp --help)`,
    );
    return 1;
  }
  return runModuleCommand({
    command,
    args: options.positionals,
    manifestPath: resolve(options.manifest),
    cliDir,
    modulesFrom: options.modulesFrom.map((d) => resolve(d)),
    opsLog: options.opsLog && resolve(options.opsLog),
    out,
    err,
  });
}
