import {
  isScopedMcpError,
  LimitExceededError,
  ScopeViolation,
  ToolFailure,
  ToolInputError,
} from '@scoped-mcp/core';
import { REFUSED } from './guard/messages.js';

/** Replaces host paths in engine messages with names the agent may see. */
export type Scrubber = (message: string) => string;

const MAX_MESSAGE = 500;

/** Longest host path first, so a directory never replaces the front of the file path inside it. */
export function createScrubber(
  replacements: ReadonlyArray<readonly [hostPath: string, shown: string]>,
): Scrubber {
  const pairs = [...replacements]
    .filter(([host]) => host.length > 0)
    .sort((a, b) => b[0].length - a[0].length);
  return (message) => {
    let text = message;
    for (const [host, shown] of pairs) text = text.replaceAll(host, shown);
    text = text.replace(/\s*[\r\n]+\s*/g, ' ');
    return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 3)}...`;
  };
}

interface EngineError extends Error {
  readonly code: string;
}

function isSqliteError(error: unknown): error is EngineError {
  return (
    error instanceof Error &&
    error.name === 'SqliteError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

// Mistakes in the SQL or the data, which the agent can fix.
const INPUT_CODES = /^SQLITE_(ERROR|CONSTRAINT|MISMATCH|RANGE|TOOBIG|AUTH)(_|$)/;
const BUSY_CODES = /^SQLITE_(BUSY|LOCKED)(_|$)/;
const BINDING_MESSAGES =
  /^(Missing named parameter|Too (few|many) parameter values|SQLite3 can only bind|The bound string|You cannot specify named|Named parameters can only)/;

/** The configured bounds an engine error can be about, named in the agent's message. */
export interface EngineBounds {
  readonly maxDbBytes: number;
  readonly maxMemoryBytes: number;
  /** True when the file system holding the database has no room left (then SQLITE_FULL is not the cap). */
  diskFull(): boolean;
}

const NOMEM_CODES = /^SQLITE_(IOERR_)?NOMEM$/;

/** Maps what better-sqlite3 throws to the errors the agent sees; anything else is rethrown as unexpected. */
export function toToolError(error: unknown, scrub: Scrubber, bounds?: EngineBounds): unknown {
  if (isScopedMcpError(error)) return error;
  if (isSqliteError(error)) {
    if (bounds !== undefined && error.code === 'SQLITE_FULL') {
      return bounds.diskFull()
        ? new ToolFailure('The disk holding the database is full')
        : new LimitExceededError(`database is full (max_db_bytes ${bounds.maxDbBytes})`, {
            name: 'max_db_bytes',
            value: bounds.maxDbBytes,
          });
    }
    if (bounds !== undefined && NOMEM_CODES.test(error.code)) {
      return new LimitExceededError(
        `statement ran out of memory (max_memory_bytes ${bounds.maxMemoryBytes})`,
        { name: 'max_memory_bytes', value: bounds.maxMemoryBytes },
      );
    }
    const message = scrub(error.message);
    // SQLite refusing a function with side effects (direct-only, or trusted_schema = OFF) in a view, trigger
    // or default: an escape attempt, not a typo.
    if (error.message.startsWith('unsafe use of ')) return new ScopeViolation(message);
    if (INPUT_CODES.test(error.code)) return new ToolInputError(message);
    if (BUSY_CODES.test(error.code)) {
      return new ToolFailure('The database is busy (another connection holds a lock); try again');
    }
    return new ToolFailure(`SQLite error ${error.code}: ${message}`);
  }
  // better-sqlite3 raises RangeError/TypeError for statement counts and parameter binding; other errors of
  // those types are bugs and stay unexpected (the agent then gets a reference id, the operator the detail).
  if (error instanceof RangeError || error instanceof TypeError) {
    if (error.message.includes('more than one statement')) return new ScopeViolation(REFUSED.multiple);
    if (error.message.includes('contains no statements')) {
      return new ToolInputError('The SQL text contains no statement');
    }
    if (BINDING_MESSAGES.test(error.message)) return new ToolInputError(scrub(error.message));
  }
  return error;
}
