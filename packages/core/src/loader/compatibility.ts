import type { PackageJson } from './package-lookup.js';
import { rangeAccepts } from './range-accepts.js';

export const MODULE_KEYWORD = 'scoped-mcp-module';
const CORE = '@scoped-mcp/core';

/** Why a package cannot be loaded as a module, checked from its package.json before any code runs. */
export function incompatibility(
  json: PackageJson,
  expectedName: string,
  runningCore: string,
): string | undefined {
  if (json.name !== expectedName)
    return `its package.json names '${json.name ?? '(none)'}', not '${expectedName}'`;
  if (!json.keywords?.includes(MODULE_KEYWORD)) {
    return `it is not a scoped-mcp module (package.json keywords lack '${MODULE_KEYWORD}')`;
  }
  const range = json.peerDependencies?.[CORE] ?? json.dependencies?.[CORE];
  if (range === undefined) return `it does not declare ${CORE} as a peer dependency`;
  if (!peerRangeAccepts(range, runningCore)) {
    return `it needs ${CORE} ${range}, but this scoped-mcp runs core ${runningCore}`;
  }
  return undefined;
}

function peerRangeAccepts(range: string, version: string): boolean {
  if (range.startsWith('workspace:')) {
    // A workspace link always points at the workspace's own core; only an explicit range needs checking.
    const inner = range.slice('workspace:'.length);
    if (inner === '*' || inner === '^' || inner === '~') return true;
    return rangeAccepts(inner, version);
  }
  return rangeAccepts(range, version);
}
