import { resolve } from 'node:path';
import { errorMessage } from '@scoped-mcp/core';
import { runStdioServer } from '@scoped-mcp/core/run';
import type { CommonOptions } from '../options.js';
import { err } from '../output.js';
import { cliDir, cliVersion } from '../package-info.js';

export async function runCommand(options: CommonOptions): Promise<number | undefined> {
  if (!options.manifest) {
    err('scoped-mcp run: --manifest PATH is required (see scoped-mcp --help)');
    return 1;
  }
  try {
    await runStdioServer({
      manifestPath: resolve(options.manifest),
      auditLog: options.auditLog && resolve(options.auditLog),
      opsLog: options.opsLog && resolve(options.opsLog),
      modulesFrom: options.modulesFrom.map((d) => resolve(d)),
      cliDir,
      version: cliVersion,
    });
    return undefined;
  } catch (error) {
    err(`error: ${errorMessage(error)}`);
    return 1;
  }
}
