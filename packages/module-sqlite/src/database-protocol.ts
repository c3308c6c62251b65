import {
  ERRORS,
  type ErrorCodeValue,
  type ErrorDetails,
  isScopedMcpError,
  ScopedMcpError,
} from '@scoped-mcp/core';
import type { StatementKind } from './guard/program-check.js';
import type { SqlParameters } from './params.js';
import type { ResultLimits } from './rows.js';

/**
 * What the proxy process and its database process say to each other over the IPC channel: one `open`, then
 * requests answered one at a time, in order. Everything here is plain JSON.
 */

/** Everything the database process needs to open the agent's database; paths are already checked. */
export interface DatabaseSettings {
  /** Absolute path of the agent's database file (created 0600 by the proxy process). */
  readonly file: string;
  /** What the agent sees instead of the file's path in engine messages, `agent_<id>.db`. */
  readonly fileName: string;
  /** db_dir as configured and as resolved; both are replaced by `<db_dir>` in engine messages. */
  readonly dbDir: string;
  readonly realDbDir: string;
  readonly limits: ResultLimits;
  readonly busyTimeoutMs: number;
  readonly journalMode: 'wal' | 'delete';
  readonly maxDbBytes: number;
  readonly maxMemoryBytes: number;
  /** What execute refuses (DROP, VACUUM) unless the manifest allows it, and execute's exposed name. */
  readonly refusedKinds: readonly StatementKind[];
  readonly executeTool: string;
}

export type DatabaseRequest =
  | { readonly op: 'query' | 'execute'; readonly sql: string; readonly params: SqlParameters }
  | { readonly op: 'listTables' }
  | { readonly op: 'createTable'; readonly name: string; readonly columns: Readonly<Record<string, string>> };

export type ToServer =
  | { readonly type: 'open'; readonly settings: DatabaseSettings }
  | ({ readonly type: 'request'; readonly id: number } & DatabaseRequest);

export type ToProxy =
  | {
      readonly type: 'ready';
      /** VmData of the database process once open (Linux), the base `max_memory_bytes` is added to. */
      readonly footprintBytes: number | undefined;
      /** Set when the file was already larger than max_db_bytes: it can shrink but not grow. */
      readonly overLimitBytes: number | undefined;
    }
  | { readonly type: 'failed'; readonly error: WireError }
  | { readonly type: 'reply'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: number; readonly ok: false; readonly error: WireError };

/**
 * An error crossing the channel: core's errors keep their code, message and details (the agent's `_meta`
 * says which limit refused a call), others their detail for the operator's log.
 */
export interface WireError {
  readonly code?: string;
  readonly name: string;
  readonly message: string;
  readonly details?: ErrorDetails;
  readonly stack?: string;
}

export function toWireError(error: unknown): WireError {
  if (isScopedMcpError(error)) {
    return { code: error.code, name: error.name, message: error.message, details: error.details };
  }
  if (error instanceof Error) {
    return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

function isErrorCode(code: string): code is ErrorCodeValue {
  return Object.hasOwn(ERRORS, code);
}

/**
 * The error the database process raised, as the proxy process throws it. An unexpected one stays
 * unexpected (core shows the agent a reference and logs the detail), with the other process's stack.
 */
export function fromWireError(wire: WireError): Error {
  const error =
    wire.code !== undefined && isErrorCode(wire.code)
      ? new ScopedMcpError(wire.code, wire.message, wire.details ? { details: wire.details } : {})
      : new Error(wire.message);
  error.name = wire.name;
  if (wire.code === undefined && wire.stack !== undefined) {
    error.stack = `${wire.stack}\n    (in the sqlite database process)`;
  }
  return error;
}
