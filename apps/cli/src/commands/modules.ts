import { dirname, resolve } from 'node:path';
import {
  coreVersion,
  type InstalledModule,
  installCommand,
  listInstalledModules,
} from '@scoped-mcp/core/runtime';
import type { CommonOptions } from '../options.js';
import { out } from '../output.js';
import { cliDir } from '../package-info.js';

export async function modulesCommand(options: CommonOptions): Promise<number> {
  const bases = [
    ...(options.manifest ? [dirname(resolve(options.manifest))] : []),
    cliDir,
    ...options.modulesFrom.map((d) => resolve(d)),
  ];
  const modules = await listInstalledModules(bases, coreVersion());
  // A project install seen from a global CLI: worth showing, but never loaded from the working directory,
  // which is the agent's workspace (an agent could plant code there).
  const loadable = new Set(modules.map((m) => m.packageName));
  const cwd = process.cwd();
  const inWorkingDirectory = (await listInstalledModules([cwd], coreVersion())).filter(
    (m) => !loadable.has(m.packageName),
  );
  if (modules.length === 0) {
    out(
      `No scoped-mcp modules installed next to the CLI. Add one with: ${installCommand(['@scoped-mcp/module-filesystem'], cliDir)}`,
    );
  }
  for (const m of modules) print(m);
  if (inWorkingDirectory.length > 0) {
    out(
      `\nAlso installed under the working directory (${cwd}), listed only: a server never loads modules ` +
        'from there. Install them next to the manifest or the CLI, or name the directory with --modules-from:',
    );
    for (const m of inWorkingDirectory) print(m);
  }
  return 0;
}

function print(m: InstalledModule): void {
  out(`${m.packageName}@${m.version}${m.problem ? `  (will not load: ${m.problem})` : ''}`);
  if (m.description) out(`    ${m.description}`);
}
