import {
  isScopedMcpError,
  type ScopedMcpError,
  ToolFailure,
  ToolInputError,
} from '../errors/scoped-mcp-error.js';
import { displayRelative, quoteAgentPath } from './prefix-scope-path.js';

/** An errno code raised by scopedFs itself (e.g. EISDIR found by fstat), shaped like Node's fs errors. */
export class FsCodeError extends Error {
  readonly code: string;
  constructor(code: string) {
    super(code);
    this.name = 'FsCodeError';
    this.code = code;
  }
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
