import { lstat, mkdir, readlink, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, posix, resolve as resolvePath } from 'node:path';
import { isScopedMcpError, ScopeViolation, ToolFailure, ToolInputError } from '../errors/errors.js';

export interface ScopedPath {
  /** Absolute host path, inside the scope root. Never shown to the agent. */
  readonly absolute: string;
  /** Path relative to the scope root, with '/' separators; '' for the root itself. Safe to show the agent. */
  readonly relative: string;
}

/**
 * What an agent path names when no symlink is involved, computed without any I/O (and validated exactly
 * as `resolve` validates). Proof of nothing on disk: only `ScopedFs.readFileAt` takes it, and it checks
 * where the opened file really is before reading.
 */
export interface LexicalPath {
  /** Path relative to the scope root, as in ScopedPath; safe to show the agent. */
  readonly relative: string;
  /** root + relative: the host path the file has if nothing on the way is a symlink. */
  readonly candidate: string;
}

export interface ResolveOptions {
  /**
   * true (default): a symlink at the leaf is followed and `absolute` is where it leads (inside the root).
   * false: the leaf is validated the same way, but `absolute` names the leaf entry itself (its parent
   * resolved), so that `unlink` removes a link rather than what it points to.
   */
  readonly followLeaf?: boolean;
}

export interface PrefixScope {
  /** Real path (symlinks resolved) of the scope root. */
  readonly root: string;
  /** Validates an agent-supplied path and maps it into the scope; throws ScopeViolation otherwise. */
  resolve(path: string, options?: ResolveOptions): Promise<ScopedPath>;
  /** Validates an agent-supplied path without touching the disk; throws ScopeViolation as resolve does. */
  lexical(path: string): LexicalPath;
}

// Linux's own limit (MAXSYMLINKS); a deeper chain is a loop or an attack.
const MAX_SYMLINK_HOPS = 40;

/**
 * A directory tree the agent may use, addressed by paths relative to it. Creates the root (mode 0700) when
 * missing. Resolution never leaves the root, not even in passing: a path whose symlinks step outside and
 * back in is refused, and for a path that does not exist yet every existing ancestor is checked.
 * Pair with `scopedFs` for the I/O itself, which re-checks at open time (symlinks swapped in after resolve).
 */
export async function prefixScope(root: string): Promise<PrefixScope> {
  if (!isAbsolute(root)) throw new Error(`prefixScope needs an absolute root directory, got '${root}'`);
  await mkdir(root, { recursive: true, mode: 0o700 });
  const realRoot = await realpath(root);
  const spellings = [...new Set([realRoot, resolvePath(root)])].map((r) => pathSegments(r.normalize('NFC')));
  const walker = new ScopeWalker(realRoot, spellings);

  async function resolve(input: string, options?: ResolveOptions): Promise<ScopedPath> {
    if (typeof input !== 'string') throw new ToolInputError('Path must be a string');
    const relative = parseAgentPath(input, spellings);
    if (options?.followLeaf === false && relative !== '') {
      // Both walks run at once; the leaf's verdict wins so the message names the path the agent gave.
      const [leaf, parent] = await Promise.allSettled([
        walker.follow(relative),
        walker.follow(posixDirname(relative)),
      ]);
      if (leaf.status === 'rejected') throw leaf.reason;
      if (parent.status === 'rejected') throw parent.reason;
      return Object.freeze({ absolute: `${parent.value}/${posix.basename(relative)}`, relative });
    }
    return Object.freeze({ absolute: await walker.follow(relative), relative });
  }

  function lexical(input: string): LexicalPath {
    if (typeof input !== 'string') throw new ToolInputError('Path must be a string');
    const relative = parseAgentPath(input, spellings);
    return Object.freeze({ relative, candidate: relative === '' ? realRoot : `${realRoot}/${relative}` });
  }

  return Object.freeze({ root: realRoot, resolve, lexical });
}

function posixDirname(relative: string): string {
  const parent = posix.dirname(relative);
  return parent === '.' ? '' : parent;
}

class ScopeWalker {
  constructor(
    private readonly root: string,
    private readonly spellings: readonly (readonly string[])[],
  ) {}

  /** The real host path of a validated relative path (its missing tail appended as is). */
  async follow(relative: string): Promise<string> {
    const candidate = relative === '' ? this.root : `${this.root}/${relative}`;
    try {
      // Fast path: a path that realpath leaves unchanged involves no symlink at all.
      if ((await realpath(candidate)) === candidate) return candidate;
    } catch (error) {
      const code = errnoCode(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fsResolveError(code, relative);
    }
    return this.walk(relative);
  }

  /** Component by component, following symlinks by hand so that no step ever leaves the root. */
  private async walk(relative: string): Promise<string> {
    let current = this.root;
    const queue = relative === '' ? [] : relative.split('/');
    let hops = 0;
    while (queue.length > 0) {
      const segment = queue.shift()!;
      if (segment === '..') {
        // Only link targets put '..' here; `current` has no symlink in it, so its dirname is its parent.
        if (current === this.root) throw escapeError(relative);
        current = dirname(current);
        continue;
      }
      const next = `${current}/${segment}`;
      let stats: Awaited<ReturnType<typeof lstat>>;
      try {
        stats = await lstat(next);
      } catch (error) {
        const code = errnoCode(error);
        if (code === 'ENOENT' || code === 'ENOTDIR') return [current, segment, ...queue].join('/');
        throw fsResolveError(code, relative);
      }
      if (!stats.isSymbolicLink()) {
        current = next;
        continue;
      }
      hops += 1;
      if (hops > MAX_SYMLINK_HOPS) throw fsResolveError('ELOOP', relative);
      const target = await readlink(next).catch((error: unknown) => {
        throw fsResolveError(errnoCode(error), relative);
      });
      // Normalising first leaves '..' only at the front, so the queue stays: leading '..', then names.
      const normal = posix.normalize(target);
      if (isAbsolute(normal)) {
        const inside = stripRoot(pathSegments(normal.normalize('NFC')), this.spellings);
        if (inside === undefined) throw escapeError(relative);
        current = this.root;
        queue.unshift(...inside);
      } else {
        queue.unshift(...normal.split('/').filter((s) => s !== '' && s !== '.'));
      }
    }
    if (!isInsideRoot(this.root, current)) throw escapeError(relative);
    return current;
  }
}

function escapeError(relative: string): ScopeViolation {
  return new ScopeViolation(
    `Path ${quoteAgentPath(displayRelative(relative))} crosses a symlink that leads outside the agent's directory`,
  );
}

function errnoCode(error: unknown): string | undefined {
  if (isScopedMcpError(error)) throw error;
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;
}

function fsResolveError(code: string | undefined, relative: string): Error {
  const quoted = quoteAgentPath(displayRelative(relative));
  switch (code) {
    case 'ELOOP':
      return new ToolInputError(`Path ${quoted} has too many levels of symbolic links`);
    case 'ENAMETOOLONG':
      return new ToolInputError(`Path ${quoted} is too long`);
    case 'EACCES':
    case 'EPERM':
      return new ToolFailure(`Permission denied while resolving ${quoted}`);
    default:
      return new ToolFailure(`Could not resolve ${quoted} (${code ?? 'unknown error'})`);
  }
}

/** Linux PATH_MAX; an agent path longer than this is refused before any I/O. */
const MAX_PATH_BYTES = 4096;
/** Linux NAME_MAX, per segment. */
const MAX_SEGMENT_BYTES = 255;

// C0, DEL, C1 and the Unicode line/paragraph separators: none belongs in a file name, and all of them
// would break the one-line error messages and audit records that quote the path.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const CONTROL_ALL = new RegExp(CONTROL.source, 'g');
// `C:`, `C:\x`, `C:/x`: a drive path on Windows and a confusing name everywhere else.
const DRIVE = /^[A-Za-z]:/;
const SLASHES_ONLY = /^\/+$/;
// In a `u` regex a paired surrogate is one code point, so only unpaired halves match (String#isWellFormed
// is ES2024, newer than our lib target). Node would write one as U+FFFD, aliasing names.
const LONE_SURROGATE = /\p{Cs}/u;
const QUOTE_LIMIT = 120;

/** Quotes an agent-supplied path for an error message: control characters escaped, long paths cut. */
export function quoteAgentPath(path: string): string {
  const cut = path.length > QUOTE_LIMIT ? `${path.slice(0, QUOTE_LIMIT)}…` : path;
  const escaped = cut.replace(CONTROL_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `'${escaped}'`;
}

/** How a validated path is shown back to the agent: its root-relative form, `.` for the root itself. */
export function displayRelative(relative: string): string {
  return relative === '' ? '.' : relative;
}

/** True when `candidate` is `root` or below it; `/root2` is not below `/root`. */
export function isInsideRoot(root: string, candidate: string): boolean {
  if (candidate === root) return true;
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return candidate.startsWith(prefix);
}

/** Splits an absolute path into its segments, dropping empty and `.` ones. */
export function pathSegments(absolute: string): string[] {
  return absolute.split('/').filter((s) => s !== '' && s !== '.');
}

function outsideError(path: string): ScopeViolation {
  return new ScopeViolation(`Path ${quoteAgentPath(path)} is outside the agent's directory`);
}

/**
 * Checks an agent-supplied path without touching the filesystem and returns its normalised form relative
 * to the scope root ('' for the root itself). `roots` are the root's spellings as segment lists (its real
 * path, and the configured path when that differs) against which absolute paths are matched.
 * Never decodes (`%2e%2e` stays a literal name), never expands `~`, never applies NFKC (which would turn
 * look-alikes such as U+2024 or U+FF0F into `.` and `/`); NFC only, so one name has one spelling.
 */
export function parseAgentPath(input: string, roots: readonly (readonly string[])[]): string {
  const quoted = quoteAgentPath(input);
  if (LONE_SURROGATE.test(input)) throw new ScopeViolation(`Path ${quoted} contains an unpaired surrogate`);
  if (CONTROL.test(input)) throw new ScopeViolation(`Path ${quoted} contains a control character`);
  if (input.includes('\\')) {
    throw new ScopeViolation(`Path ${quoted} contains a backslash; separate directories with '/'`);
  }
  if (DRIVE.test(input)) {
    throw new ScopeViolation(
      `Path ${quoted} looks like a Windows drive path; give a path relative to the agent's directory`,
    );
  }
  const bytes = Buffer.byteLength(input, 'utf8');
  if (bytes > MAX_PATH_BYTES) {
    throw new ScopeViolation(`Path ${quoted} is too long (${bytes} bytes; the limit is ${MAX_PATH_BYTES})`);
  }
  if (SLASHES_ONLY.test(input)) return '';
  const path = input.normalize('NFC');
  let segments = path.split('/');
  if (path.startsWith('/')) {
    const rest = stripRoot(pathSegments(path), roots);
    if (rest === undefined) throw outsideError(input);
    segments = rest;
  }
  const kept: string[] = [];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      // Climbing above the root is refused even when a later segment would come back down.
      if (kept.length === 0) throw outsideError(input);
      kept.pop();
      continue;
    }
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) {
      throw new ScopeViolation(
        `Path ${quoted} has a name longer than ${MAX_SEGMENT_BYTES} bytes; shorten that file or directory name`,
      );
    }
    kept.push(segment);
  }
  return kept.join('/');
}

/** The segments after a leading root, or undefined when the path does not start with any spelling of it. */
function stripRoot(segments: readonly string[], roots: readonly (readonly string[])[]): string[] | undefined {
  for (const root of roots) {
    if (root.length > segments.length) continue;
    if (root.every((segment, i) => segments[i] === segment)) return segments.slice(root.length);
  }
  return undefined;
}
