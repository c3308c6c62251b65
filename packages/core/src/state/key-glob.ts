import { compileGlob } from '../shared/glob.js';

/** Makes a literal string safe to put in an fnmatch glob: the three characters that start a wildcard become one-member sets. */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[]/g, (c) => `[${c}]`);
}

/** The key matcher every backend's `keys()` uses, so all backends agree on what a pattern selects. */
export function keyGlobMatcher(pattern: string): (key: string) => boolean {
  return compileGlob(pattern);
}
