import module from 'node:module';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * Turns on Node's on-disk compile cache (the V8 code cache of every module this process loads from now
 * on): a server starts once per agent session, and compiling its few hundred modules is a large part of
 * that start. Nothing depends on the cache: Node checks every entry against
 * the hash of the source it was made from and compiles afresh on a mismatch, and when the cache cannot
 * be used (Node < 22.1, no home directory, read-only disk) it simply stays off. `NODE_COMPILE_CACHE` and
 * `NODE_DISABLE_COMPILE_CACHE` set by the operator win.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): void {
  if (typeof module.enableCompileCache !== 'function') return;
  try {
    module.enableCompileCache(env.NODE_COMPILE_CACHE ? undefined : join(userCacheDir(env), 'scoped-mcp'));
  } catch {
    // A cache that cannot be opened is only a slower start.
  }
}

/**
 * The user's own cache directory, never os.tmpdir() (Node's default): in a shared /tmp another local user
 * could plant compiled code for this process to run.
 */
function userCacheDir(env: NodeJS.ProcessEnv): string {
  if (process.platform === 'win32' && env.LOCALAPPDATA) return env.LOCALAPPDATA;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches');
  const xdg = env.XDG_CACHE_HOME;
  return xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache');
}
