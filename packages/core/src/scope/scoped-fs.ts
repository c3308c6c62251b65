import { randomBytes } from 'node:crypto';
import { constants, type Dirent, type Stats } from 'node:fs';
import {
  type FileHandle,
  lstat,
  mkdir,
  open,
  opendir,
  readdir,
  readlink,
  realpath,
  rename,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import { posix } from 'node:path';
import {
  isScopedMcpError,
  LimitExceededError,
  type ScopedMcpError,
  ScopeViolation,
  ToolFailure,
  ToolInputError,
} from '../errors/errors.js';
import {
  displayRelative,
  isInsideRoot,
  type LexicalPath,
  type PrefixScope,
  quoteAgentPath,
  type ScopedPath,
} from './prefix-scope.js';

export interface ScopedFsOptions {
  /**
   * Use /proc/self/fd to pin directories (race-free on Linux). Default: when available. `false` forces the
   * portable mode (open, then compare the real path and inode), which narrows but cannot close the race.
   */
  readonly procFd?: boolean;
}

export interface ReadFileOptions {
  /** Files larger than this are refused with LimitExceededError before their content is read. */
  readonly maxBytes: number;
  /** The name of `maxBytes` in the module's config (`max_read_bytes`), which the refusal carries. */
  readonly maxBytesName?: string;
}

/**
 * File I/O on paths from `PrefixScope.resolve`, safe against symlinks swapped in after resolve (TOCTOU):
 * every operation opens the containing directory without following a final symlink, proves it is inside
 * the root, and acts on the entry through that open directory. Raises ScopedMcpErrors for scope and limit
 * refusals and plain fs errors (with `code`) otherwise; `fsToolError` turns the latter into agent messages.
 */
export interface ScopedFs {
  readonly scope: PrefixScope;
  /** Reads a regular file (never a FIFO, device or directory: EISDIR). */
  readFile(target: ScopedPath, options: ReadFileOptions): Promise<Buffer>;
  /**
   * `scope.resolve` and `readFile` in one. A path with no symlink on the way is opened directly and read
   * once the kernel confirms (via /proc/self/fd) that the open file is exactly that in-root path; anything
   * else is resolved and read the exact way. Same results and errors as resolve + readFile, fewer hops.
   */
  readFileAt(path: LexicalPath, options: ReadFileOptions): Promise<Buffer>;
  /** Entry names of a directory, unsorted (ENOENT, ENOTDIR). */
  readdir(target: ScopedPath): Promise<string[]>;
  /**
   * Entry names of a directory, unsorted, read from the kernel a batch at a time: memory stays flat for a
   * directory of any size. Stops with the signal's reason when it aborts (ENOENT, ENOTDIR).
   */
  entries(target: ScopedPath, options?: { readonly signal?: AbortSignal }): AsyncIterable<string>;
  /**
   * Creates missing parent directories (0700), then writes a temp file created exclusively next to the
   * target and renames it over the target, which replaces a symlink rather than following it. An existing
   * file keeps its permission bits; new files are 0600. EISDIR when the target is a directory or the root.
   */
  writeFile(target: ScopedPath, data: string | Uint8Array): Promise<void>;
  /** Removes a file or symlink (resolve it with `followLeaf: false`); EISDIR for a directory. */
  unlink(target: ScopedPath): Promise<void>;
  /**
   * Deletes the temp files of writes that never finished (the process was killed between create and
   * rename): regular files named as `writeFile` names them (`isScopedFsTempName`), not modified for
   * `olderThanMs` (a younger one may belong to a write in flight in another process of the same agent).
   * Walks the tree breadth-first through verified directories, never following a symlink, and stops after
   * `maxEntries` directory entries, so the work and memory are bounded however large the tree.
   */
  removeStaleTempFiles(options: StaleTempOptions): Promise<StaleTempSweep>;
}

export interface StaleTempOptions {
  readonly olderThanMs: number;
  /** Directory entries looked at, at most; the sweep stops there (`complete: false`). */
  readonly maxEntries: number;
  readonly signal?: AbortSignal;
}

export interface StaleTempSweep {
  /** Relative paths of the temp files deleted. */
  readonly removed: readonly string[];
  /** Directory entries looked at. */
  readonly entries: number;
  /** Whether the whole tree was walked (false: `maxEntries` was reached first). */
  readonly complete: boolean;
}

// `writeFile` writes to `.scoped-mcp-<16 hex digits>.tmp` next to its target, then renames it.
const TEMP_NAME = /^\.scoped-mcp-[0-9a-f]{16}\.tmp$/;

/**
 * Whether `name` (one path segment) is a name `writeFile` gives its temp files. Such a file is a write in
 * flight, or the remains of one that was killed: modules hide these names from the agent.
 */
export function isScopedFsTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

// Batches of names per readdir call of the kernel (Node's default is 32): fewer round trips, flat memory.
const DIR_BATCH = 1024;

const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK; // O_NONBLOCK: opening a FIFO must not hang
const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
const INITIAL_READ = 64 * 1024;

export function scopedFs(scope: PrefixScope, options: ScopedFsOptions = {}): ScopedFs {
  const root = scope.root;
  const opener = new DirOpener(root, options.procFd === false ? false : undefined);

  function split(target: ScopedPath): { parent: string; name: string } {
    if (target.relative === '' || target.absolute === root) throw errnoError('EISDIR');
    if (!isInsideRoot(root, target.absolute)) {
      throw new ScopeViolation(`Path ${quoteAgentPath(target.relative)} is outside the agent's directory`);
    }
    return { parent: posix.dirname(target.absolute), name: posix.basename(target.absolute) };
  }

  async function withDir<T>(dir: VerifiedDir, run: (dir: VerifiedDir) => Promise<T>): Promise<T> {
    try {
      return await run(dir);
    } finally {
      await dir.close();
    }
  }

  /** Opens the target's parent, creating missing directories one at a time from the root downwards. */
  async function openParentCreating(parent: string, relative: string): Promise<VerifiedDir> {
    try {
      return await opener.open(parent, relative);
    } catch (error) {
      if (fsErrorCode(error) !== 'ENOENT') throw error;
    }
    const segments = parent === root ? [] : parent.slice(root.length + 1).split('/');
    let dir = await opener.open(root, relative);
    try {
      for (const segment of segments) {
        const next = await openOrCreateChild(dir, segment, relative);
        await dir.close();
        dir = next;
      }
      return dir;
    } catch (error) {
      await dir.close();
      throw error;
    }
  }

  async function openOrCreateChild(dir: VerifiedDir, name: string, relative: string): Promise<VerifiedDir> {
    try {
      return await opener.openChild(dir, name, relative);
    } catch (error) {
      if (fsErrorCode(error) !== 'ENOENT') throw error;
    }
    let created = true;
    await mkdir(dir.child(name), { mode: 0o700 }).catch((error: unknown) => {
      if (fsErrorCode(error) !== 'EEXIST') throw error;
      created = false; // a concurrent call made it; it is checked like any other
    });
    try {
      return await opener.openChild(dir, name, relative);
    } catch (error) {
      // Portable mode only: the check found our new directory outside the root; take it back.
      if (created && error instanceof ScopeViolation) await rmdir(dir.child(name)).catch(() => undefined);
      throw error;
    }
  }

  async function readAll(
    handle: FileHandle,
    size: number,
    options: ReadFileOptions,
    relative: string,
  ): Promise<Buffer> {
    const { maxBytes } = options;
    // Like fs.readFile: a regular file is read up to its fstat size; size 0 (a file written while we
    // read, or a pseudo-file) is read to EOF, still under the cap.
    let buffer = Buffer.allocUnsafe(size > 0 ? size : Math.min(maxBytes + 1, INITIAL_READ));
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) return buffer.subarray(0, length);
      length += bytesRead;
      if (size > 0 && length === size) return buffer;
      if (length > maxBytes) throw tooLarge(relative, `more than ${maxBytes}`, options);
      if (length === buffer.length) {
        const grown = Buffer.allocUnsafe(Math.min(maxBytes + 1, buffer.length * 2));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
    }
  }

  async function readFile(target: ScopedPath, options: ReadFileOptions): Promise<Buffer> {
    const { parent, name } = split(target);
    const direct = await opener.openVerifiedFile(target.absolute, READ_FLAGS);
    if (direct) return readOpened(direct.handle, direct.stats, options, target.relative);
    // Anything unusual (missing file, a path changed since resolve, no /proc) takes the slow, exact path,
    // which also gives the precise error.
    const dir = await opener.open(parent, target.relative);
    let handle: FileHandle;
    try {
      handle = await openNoFollow(dir.child(name), READ_FLAGS, target.relative);
    } catch (error) {
      await dir.close();
      throw error;
    }
    let stats: Stats;
    try {
      // The directory is no longer needed once the file is open; closing it overlaps with the fstat.
      [, stats] = await Promise.all([dir.close(), handle.stat()]);
      if (!dir.pinned) await opener.checkPortable(handle, target.absolute, target.relative);
    } catch (error) {
      await handle.close();
      throw error;
    }
    return readOpened(handle, stats, options, target.relative);
  }

  /** Reads a file opened (and proven inside the root) by the caller; always closes the handle. */
  async function readOpened(
    handle: FileHandle,
    stats: Stats,
    options: ReadFileOptions,
    relative: string,
  ): Promise<Buffer> {
    try {
      if (stats.isDirectory()) throw errnoError('EISDIR');
      if (!stats.isFile()) {
        throw new ToolInputError(`Path ${quoteAgentPath(displayRelative(relative))} is not a regular file`);
      }
      if (stats.size > options.maxBytes) throw tooLarge(relative, String(stats.size), options);
      return await readAll(handle, stats.size, options, relative);
    } finally {
      // Not awaited: the content is complete, and the answer need not wait one more thread-pool hop.
      handle.close().catch(() => undefined);
    }
  }

  return Object.freeze({
    scope,

    readFile,

    async readFileAt(path: LexicalPath, options: ReadFileOptions): Promise<Buffer> {
      if (path.relative !== '') {
        const direct = await opener.openVerifiedFile(path.candidate, READ_FLAGS);
        if (direct) return readOpened(direct.handle, direct.stats, options, path.relative);
      }
      return readFile(await scope.resolve(path.relative), options);
    },

    async readdir(target: ScopedPath): Promise<string[]> {
      return withDir(await opener.open(target.absolute, target.relative), (dir) => readdir(dir.via));
    },

    async *entries(target: ScopedPath, options: { readonly signal?: AbortSignal } = {}) {
      const dir = await opener.open(target.absolute, target.relative);
      try {
        for await (const entry of dirents(dir, options.signal)) yield entry.name;
      } finally {
        // Not awaited, as in readOpened: the names are complete, the answer need not wait for the close.
        dir.close().catch(() => undefined);
      }
    },

    async writeFile(target: ScopedPath, data: string | Uint8Array): Promise<void> {
      const { parent, name } = split(target);
      const dir = await openParentCreating(parent, target.relative);
      await withDir(dir, async () => {
        const existing = await lstat(dir.child(name)).catch((error: unknown) => {
          if (fsErrorCode(error) === 'ENOENT') return undefined;
          throw error;
        });
        if (existing?.isDirectory()) throw errnoError('EISDIR');
        const temp = dir.child(`.scoped-mcp-${randomBytes(8).toString('hex')}.tmp`); // see TEMP_NAME
        const handle = await openNoFollow(temp, TEMP_FLAGS, target.relative, 0o600);
        try {
          if (!dir.pinned) await opener.checkPortable(handle, temp, target.relative);
          await handle.writeFile(data);
          if (existing?.isFile()) await handle.chmod(existing.mode & 0o777);
          await handle.close();
          await rename(temp, dir.child(name));
        } catch (error) {
          await handle.close().catch(() => undefined);
          await unlink(temp).catch(() => undefined);
          throw error;
        }
      });
    },

    async unlink(target: ScopedPath): Promise<void> {
      const { parent, name } = split(target);
      await withDir(await opener.open(parent, target.relative), async (dir) => {
        const stats = await lstat(dir.child(name));
        if (stats.isDirectory()) throw errnoError('EISDIR');
        await unlink(dir.child(name));
      });
    },

    async removeStaleTempFiles({
      olderThanMs,
      maxEntries,
      signal,
    }: StaleTempOptions): Promise<StaleTempSweep> {
      const removed: string[] = [];
      const cutoff = Date.now() - olderThanMs;
      // Directories still to walk, as root-relative paths; never more than the entries looked at.
      const pending: string[] = [''];
      let entries = 0;
      for (let next = 0; next < pending.length; next++) {
        const relative = pending[next] as string;
        let dir: VerifiedDir;
        try {
          dir = await opener.open(relative === '' ? root : `${root}/${relative}`, relative);
        } catch {
          continue; // gone since it was listed, unreadable, or replaced by a symlink: not ours to walk
        }
        try {
          for await (const entry of dirents(dir, signal)) {
            if (++entries > maxEntries) return { removed, entries: maxEntries, complete: false };
            const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
            if (entry.isDirectory()) pending.push(path);
            else if (entry.isFile() && isScopedFsTempName(entry.name)) {
              if (await removeIfStale(dir, entry.name, cutoff)) removed.push(path);
            }
          }
        } catch (error) {
          if (signal?.aborted) throw error;
          // A directory that cannot be read (permissions) is skipped; the rest of the tree is still swept.
        } finally {
          await dir.close();
        }
      }
      return { removed, entries, complete: true };
    },
  });
}

/** Deletes a temp file through its verified directory when it is still a regular file older than `cutoff`. */
async function removeIfStale(dir: VerifiedDir, name: string, cutoff: number): Promise<boolean> {
  try {
    const stats = await lstat(dir.child(name));
    if (!stats.isFile() || stats.mtimeMs >= cutoff) return false;
    await unlink(dir.child(name));
    return true;
  } catch {
    return false; // renamed by its writer or removed by another process in the meantime
  }
}

/** The entries of a verified directory, read from the kernel DIR_BATCH at a time. */
async function* dirents(dir: VerifiedDir, signal?: AbortSignal): AsyncGenerator<Dirent> {
  const handle = await opendir(dir.via, { bufferSize: DIR_BATCH });
  try {
    for (;;) {
      signal?.throwIfAborted();
      const entry = await handle.read();
      if (entry === null) return;
      yield entry;
    }
  } finally {
    // Not awaited (see entries); it fails only when read() already closed it.
    handle.close().catch(() => undefined);
  }
}

function tooLarge(relative: string, size: string, options: ReadFileOptions): LimitExceededError {
  const { maxBytes, maxBytesName } = options;
  return new LimitExceededError(
    `File ${quoteAgentPath(displayRelative(relative))} is ${size} bytes; reads are limited to ${maxBytes} bytes`,
    maxBytesName === undefined ? undefined : { name: maxBytesName, value: maxBytes },
  );
}

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

function replacedError(relative: string): ScopeViolation {
  return new ScopeViolation(
    `Path ${quoteAgentPath(displayRelative(relative))} was replaced by a symlink during the call; refused`,
  );
}

function leftScopeError(relative: string): ScopeViolation {
  return new ScopeViolation(
    `Path ${quoteAgentPath(displayRelative(relative))} crosses a symlink that leads outside the agent's directory`,
  );
}

/** Opens with O_NOFOLLOW; a symlink where resolve saw none means the path changed under us. */
async function openNoFollow(
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

/**
 * An errno code found by scopedFs itself (EISDIR from fstat), shaped like Node's fs errors so that
 * `fsToolError` and a module's own messages per code treat it like one.
 */
function errnoError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

/** The errno code (`ENOENT`, …) of an fs error, or undefined for anything else. */
export function fsErrorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

/**
 * Turns an error from scopedFs into one the agent may see: scoped-mcp errors pass through; fs errors
 * (whose own messages carry host paths) become a one-line message about the agent's relative path.
 * `messages` overrides the text per errno code, e.g. `{ ENOENT: "File not found: notes.txt" }`.
 */
export function fsToolError(
  error: unknown,
  relative: string,
  messages: Readonly<Record<string, string>> = {},
): ScopedMcpError {
  if (isScopedMcpError(error)) return error;
  const code = fsErrorCode(error);
  const own = code === undefined ? undefined : messages[code];
  const quoted = quoteAgentPath(displayRelative(relative));
  if (own !== undefined) return new ToolInputError(own);
  switch (code) {
    case 'ENOENT':
      return new ToolInputError(`No such file or directory: ${quoted}`);
    case 'ENOTDIR':
      return new ToolInputError(`A parent of ${quoted} is not a directory`);
    case 'EISDIR':
      return new ToolInputError(`Path ${quoted} is a directory`);
    case 'EEXIST':
      return new ToolInputError(`Path ${quoted} already exists`);
    case 'ENOTEMPTY':
      return new ToolInputError(`Directory ${quoted} is not empty`);
    case 'ENAMETOOLONG':
      return new ToolInputError(`Path ${quoted} is too long`);
    case 'ELOOP':
      return new ToolInputError(`Path ${quoted} has too many levels of symbolic links`);
    case 'EACCES':
    case 'EPERM':
      return new ToolFailure(`Permission denied: ${quoted}`, { cause: error });
    case 'ENOSPC':
    case 'EDQUOT':
      return new ToolFailure("No space left for the agent's files", { cause: error });
    default:
      return new ToolFailure(`File operation on ${quoted} failed (${code ?? 'unknown error'})`, {
        cause: error,
      });
  }
}
