import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * Relative path → sha256 of every file under `root` (directories as `<dir>`), to prove a whole tree was
 * left exactly as it was. A missing root gives an empty snapshot.
 */
export async function snapshotTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(dir: string): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const key = relative(root, path);
      if (entry.isDirectory()) {
        out[key] = '<dir>';
        await walk(path);
      } else if (entry.isSymbolicLink()) {
        out[key] = '<symlink>';
      } else if (entry.name.endsWith('.db-shm')) {
        // SQLite's WAL index: rewritten by any reader, including the owner's own server; a write by
        // someone else would show in the -wal file or the database, which are still hashed.
        out[key] = '<sqlite-shm>';
      } else {
        out[key] = createHash('sha256')
          .update(await readFile(path))
          .digest('hex');
      }
    }
  }
  await walk(root);
  return out;
}

/** Only the entries whose relative path passes `keep`. */
export function pick(
  snapshot: Record<string, string>,
  keep: (path: string) => boolean,
): Record<string, string> {
  return Object.fromEntries(Object.entries(snapshot).filter(([path]) => keep(path)));
}
