import { relative, resolve } from 'node:path';
import { errorMessage } from '@scoped-mcp/core';
import { assemble, STATUS_TOOL } from '@scoped-mcp/core/runtime';
import type { CommonOptions } from '../options.js';
import { err, out } from '../output.js';
import { cliDir } from '../package-info.js';

/** Loads everything a run would, short of module setup, and prints the tools the agent would get. */
export async function validateCommand(options: CommonOptions): Promise<number> {
  if (!options.manifest) {
    err('scoped-mcp validate: --manifest PATH is required');
    return 1;
  }
  const manifestPath = resolve(options.manifest);
  try {
    const assembly = await assemble({
      manifestPath,
      cliDir,
      modulesFrom: options.modulesFrom.map((d) => resolve(d)),
      credentialsAsWarnings: true,
      check: true,
    });
    const { manifest } = assembly.manifest;
    const names = [...assembly.toolNames, STATUS_TOOL];
    const shown = relative(process.cwd(), manifestPath) || manifestPath;
    out(
      `OK: ${shown} is valid — agent_type '${manifest.agent_type}', ${assembly.instances.length} module(s), ` +
        `${assembly.toolNames.length} tools plus ${STATUS_TOOL}:`,
    );
    for (const name of names) out(`  ${name}`);
    for (const instance of assembly.instances) {
      if (instance.module?.dynamicTools && !instance.failure)
        out(`  ${instance.key}_*   (discovered at start)`);
    }
    const commands = new Set(assembly.instances.flatMap((i) => Object.keys(i.module?.commands ?? {})));
    if (commands.size > 0) {
      out(`Commands its modules add: ${[...commands].map((word) => `scoped-mcp ${word}`).join(', ')}`);
    }
    for (const warning of assembly.warnings) err(`warning: ${warning}`);
    return 0;
  } catch (error) {
    err(`INVALID: ${errorMessage(error)}`);
    return 1;
  }
}
