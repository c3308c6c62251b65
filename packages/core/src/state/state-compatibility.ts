import { incompatibility, MODULE_KEYWORD } from '../loader/compatibility.js';
import type { PackageJson } from '../loader/package-lookup.js';

export const STATE_KEYWORD = 'scoped-mcp-state';

/**
 * Why a package cannot serve as a state backend, from its package.json alone (before any code runs):
 * its own keyword, then the same name and peer-range rules as modules.
 */
export function stateIncompatibility(
  json: PackageJson,
  expectedName: string,
  runningCore: string,
): string | undefined {
  if (json.name === expectedName && !json.keywords?.includes(STATE_KEYWORD)) {
    return `it is not a scoped-mcp state backend (package.json keywords lack '${STATE_KEYWORD}')`;
  }
  // The module check wants its own keyword; stand it in so only name and peer range are judged.
  return incompatibility({ ...json, keywords: [MODULE_KEYWORD] }, expectedName, runningCore);
}
