import { dirname, resolve } from 'node:path';
import { coreVersion, listInstalledModules } from '@scoped-mcp/core/runtime';
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
  if (modules.length === 0) {
    out('No scoped-mcp modules installed. Add one with: pnpm add @scoped-mcp/module-filesystem');
    return 0;
  }
  for (const m of modules) {
    out(`${m.packageName}@${m.version}${m.problem ? `  (will not load: ${m.problem})` : ''}`);
    if (m.description) out(`    ${m.description}`);
  }
  return 0;
}
