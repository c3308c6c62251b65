import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, readlink, realpath, stat } from 'node:fs/promises';
import { ScopeViolation } from '../errors/scoped-mcp-error.js';
import { displayRelative, isInsideRoot, quoteAgentPath } from './prefix-scope-path.js';
import { fsErrorCode } from './scoped-fs-errors.js';

/**
 * An open directory proven to lie inside the scope root. Children are reached through `child(name)`:
 * on Linux that is `/proc/self/fd/<fd>/<name>`, which the kernel resolves from the open directory itself
 * (like openat/mkdirat/renameat/unlinkat), so a symlink swapped into the path after the check cannot
 * redirect the operation. Elsewhere it is the checked absolute path, and callers re-check after opening.
 */
export interface VerifiedDir {
  /** Path that reaches the directory itself (for readdir). */
  readonly via: string;
  /** Whether `via` is race-free (/proc/self/fd) rather than a checked path. */
  readonly pinned: boolean;
  child(name: string): string;
  close(): Promise<void>;
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

// Probed once per process: whether /proc/self/fd/<fd> names an open file (Linux with /proc mounted).
let procFdProbe: Promise<boolean> | undefined;

function probeProcFd(fd: number): Promise<boolean> {
  procFdProbe ??= readlink(`/proc/self/fd/${fd}`).then(
    (target) => target.startsWith('/'),
    () => false,
  );
  return procFdProbe;
}

export function replacedError(relative: string): ScopeViolation {
  return new ScopeViolation(
    `Path ${quoteAgentPath(displayRelative(relative))} was replaced by a symlink during the call; refused`,
  );
}

export function leftScopeError(relative: string): ScopeViolation {
  return new ScopeViolation(
    `Path ${quoteAgentPath(displayRelative(relative))} crosses a symlink that leads outside the agent's directory`,
  );
}

/** Opens with O_NOFOLLOW; a symlink where resolve saw none means the path changed under us. */
export async function openNoFollow(
  path: string,
  flags: number,
  relative: string,
  mode?: number,
): Promise<FileHandle> {
  try {
    return await open(path, flags | constants.O_NOFOLLOW, mode);
  } catch (error) {
    const code = fsErrorCode(error);
    if (code === 'ELOOP') throw replacedError(relative);
    // Linux answers O_DIRECTORY|O_NOFOLLOW on a symlink with ENOTDIR, the same as for a regular file.
    if (code === 'ENOTDIR' && (await isSymlink(path))) throw replacedError(relative);
    throw error;
  }
}

async function isSymlink(path: string): Promise<boolean> {
  return lstat(path).then(
    (stats) => stats.isSymbolicLink(),
    () => false,
  );
}

export class DirOpener {
  constructor(
    private readonly root: string,
    /** undefined: use /proc/self/fd when the probe finds it; false: never (tests the portable path). */
    private readonly procFd: boolean | undefined,
  ) {}

  /** Opens an existing directory by its absolute (already resolved) path and proves it is inside the root. */
  async open(absolute: string, relative: string): Promise<VerifiedDir> {
    const handle = await openNoFollow(absolute, DIR_FLAGS, relative);
    try {
      if (await this.usesProc(handle.fd)) {
        const actual = await readlink(procPath(handle.fd));
        if (!isInsideRoot(this.root, actual)) throw leftScopeError(relative);
        return pinnedDir(handle);
      }
      await this.checkPortable(handle, absolute, relative);
      return checkedDir(handle, absolute);
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * The fast path for reading: opens `absolute` (a resolved path, leaf never followed) in one step and asks
   * the kernel where the opened file really is. Only when /proc/self/fd names exactly the resolved path is
   * the file returned; a path that changed since resolve (a directory swapped for a symlink, a rename, a
   * deletion) gives undefined, and the caller takes the directory-pinned path, which refuses it exactly.
   * A swap can make this open() touch a file outside the root (never read it); opening read-only with
   * O_NONBLOCK has no effect on a regular file or FIFO.
   */
  async openVerifiedFile(
    absolute: string,
    flags: number,
  ): Promise<{ handle: FileHandle; stats: Stats } | undefined> {
    if (this.procFd === false) return undefined;
    let handle: FileHandle;
    try {
      handle = await open(absolute, flags | constants.O_NOFOLLOW);
    } catch {
      return undefined;
    }
    try {
      if (await this.usesProc(handle.fd)) {
        const [actual, stats] = await Promise.all([readlink(procPath(handle.fd)), handle.stat()]);
        if (actual === absolute && isInsideRoot(this.root, actual)) return { handle, stats };
      }
    } catch {
      // fall through to the exact path
    }
    handle.close().catch(() => undefined);
    return undefined;
  }

  /** Opens a direct child (a plain name, never '..') of a verified directory. */
  async openChild(parent: VerifiedDir, name: string, relative: string): Promise<VerifiedDir> {
    if (name === '' || name === '.' || name === '..' || name.includes('/')) {
      throw new Error(`openChild needs a plain name, got '${name}'`);
    }
    const handle = await openNoFollow(parent.child(name), DIR_FLAGS, relative);
    try {
      // Reached from a pinned directory by a plain name without following a link: inside by construction.
      if (parent.pinned) return pinnedDir(handle);
      await this.checkPortable(handle, parent.child(name), relative);
      return checkedDir(handle, parent.child(name));
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** After opening `path` through an unpinned directory: is the open file the one inside the root? */
  async checkPortable(handle: FileHandle, path: string, relative: string): Promise<void> {
    const [opened, real] = await Promise.all([handle.stat(), realpath(path)]);
    if (!isInsideRoot(this.root, real)) throw leftScopeError(relative);
    const current = await stat(real);
    if (current.dev !== opened.dev || current.ino !== opened.ino) throw replacedError(relative);
  }

  private async usesProc(fd: number): Promise<boolean> {
    if (this.procFd === false) return false;
    return probeProcFd(fd);
  }
}

function procPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

function pinnedDir(handle: FileHandle): VerifiedDir {
  const via = procPath(handle.fd);
  return { via, pinned: true, child: (name) => `${via}/${name}`, close: () => handle.close() };
}

function checkedDir(handle: FileHandle, absolute: string): VerifiedDir {
  return {
    via: absolute,
    pinned: false,
    child: (name) => `${absolute}/${name}`,
    close: () => handle.close(),
  };
}
