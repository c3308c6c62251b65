import { ScopeViolation } from '../errors/scoped-mcp-error.js';

/** Linux PATH_MAX; an agent path longer than this is refused before any I/O. */
export const MAX_PATH_BYTES = 4096;
/** Linux NAME_MAX, per segment. */
export const MAX_SEGMENT_BYTES = 255;

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

export function outsideError(path: string): ScopeViolation {
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
export function stripRoot(
  segments: readonly string[],
  roots: readonly (readonly string[])[],
): string[] | undefined {
  for (const root of roots) {
    if (root.length > segments.length) continue;
    if (root.every((segment, i) => segments[i] === segment)) return segments.slice(root.length);
  }
  return undefined;
}
