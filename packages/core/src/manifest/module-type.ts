import type { ModuleEntry } from './manifest-types.js';

/** The module an entry loads: its `type:`, else the manifest key (as in the reference). */
export function moduleTypeOf(key: string, entry: Pick<ModuleEntry, 'type'>): string {
  return entry.type ?? key;
}
