import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Why this process could not create (`mkdir -p`) or use the directory `path`, or undefined when it could —
 * found by looking only: nothing is created, for a module's `check` (`scoped-mcp validate`). The message
 * names the path that is in the way and says what to change; the caller adds the config field.
 */
export async function directoryProblem(path: string): Promise<string | undefined> {
  const target = resolve(path);
  let current = target;
  for (;;) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(current)).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = dirname(current);
      // ENOTDIR: a component above is a file; walking up finds which.
      if ((code === 'ENOENT' || code === 'ENOTDIR') && parent !== current) {
        current = parent;
        continue;
      }
      if (code === 'EACCES') {
        return `'${target}' cannot be reached: a directory above '${current}' does not let this user in (fix: give this user search permission on it, or choose another directory)`;
      }
      return `'${target}' cannot be checked (${code ?? 'unknown error'})`;
    }
    if (!isDirectory) {
      return current === target
        ? `'${target}' exists and is not a directory (fix: remove or rename it, or choose another directory)`
        : `'${target}' cannot be created: '${current}' is a file, not a directory (fix: choose another directory, or move that file away)`;
    }
    try {
      // Create entries in it (the missing part of the path, or the agent's own files) and enter it.
      await access(current, constants.W_OK | constants.X_OK);
    } catch {
      return current === target
        ? `'${target}' is not writable by this user (uid ${process.getuid?.() ?? '?'}) (fix: chown or chmod it, or choose another directory)`
        : `'${target}' cannot be created: this user (uid ${process.getuid?.() ?? '?'}) may not create entries in '${current}' (fix: create '${target}' for this user, e.g. sudo install -d -o $(id -u) '${target}', or choose another directory)`;
    }
    return undefined;
  }
}
