// The module object, not named bindings: a test can then watch which fds are written (stdout never is).
import fs from 'node:fs';
import { dirname } from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';
import { StartupError } from '../errors/errors.js';
import type { AgentIdentity } from '../identity/agent-identity.js';
import { CHAIN_GENESIS, createLinker, lastLineHash } from './hash-chain.js';

// The audit and ops loggers, both pino, both writing each line with one synchronous writeSync.

export interface LogTargets {
  /** File for the audit JSONL; stderr when absent. */
  readonly auditLog?: string;
  /** File for the ops JSONL; stderr when absent. */
  readonly opsLog?: string;
  /** Ops log level (default `info`; `SCOPED_MCP_LOG_LEVEL`). */
  readonly opsLevel?: string;
}

export interface Loggers {
  readonly audit: AuditLogger;
  readonly ops: Logger;
  /** Called at shutdown; kept for embedders, though both streams write each line synchronously. */
  flush(): void;
}

/**
 * What every part of scoped-mcp needs from the audit stream: one JSON line per event, at a level. A pino
 * `Logger` satisfies it (tests and embedders pass one); `createAuditLogger` is the production writer.
 */
export interface AuditLogger {
  info(fields: object, event: string): void;
  warn(fields: object, event: string): void;
  error(fields: object, event: string): void;
}

export interface AuditLineParts {
  /** Fixed fields every line carries after the timestamp, e.g. `{ logger: 'audit', agent_id: … }`. */
  readonly bindings: Readonly<Record<string, string>>;
  /** `,"timestamp":"…"`: the text that follows the level (pino's `timestamp` option). */
  timestamp(): string;
  /** Finishes a JSON object given without its closing brace (adds `prev`) and returns the line to write. */
  link(open: string): string;
  /** Writes one line synchronously; whatever it throws reaches the code that logged. */
  write(line: string): void;
}

/**
 * The audit logger: pino writes the line (`level`, `timestamp`, the bindings, the event's fields, `event`),
 * and its `streamWrite` hook hands the finished line to the hash chain, which adds `prev`. pino calls the
 * destination's `write` in the logging call itself, so a failed write throws to the caller that logged.
 */
export function createAuditLogger(parts: AuditLineParts): AuditLogger {
  const { link, write } = parts;
  return pino(
    {
      messageKey: 'event',
      timestamp: parts.timestamp,
      formatters: { level: (label: string) => ({ level: label }) },
      base: parts.bindings,
      // pino's line ends with `}\n`: the chain takes the object without its closing brace.
      hooks: { streamWrite: (line: string) => link(line.slice(0, -2)) },
    },
    { write } as DestinationStream,
  );
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * `,"timestamp":"<ISO 8601 UTC>"` as `Date#toISOString` writes it. Runs for every audit line, so the text up
 * to the second is formatted once per second and only the milliseconds per call.
 */
function timestamp(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = `,"timestamp":"${new Date(second * 1000).toISOString().slice(0, 20)}`;
  }
  const ms = now - second * 1000;
  return `${cachedPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
}

function destination(path: string | undefined): SyncFileDestination {
  if (path === undefined) return syncFdDestination(2);
  fs.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Synchronous on purpose: a crash right after a tool call must not lose its audit line.
  return openSyncFileDestination(path, 0o600);
}

/**
 * Two JSONL streams: audit (what the agent did; hash-chained) and ops (what the server did).
 * Never stdout — stdout carries MCP frames.
 */
export function createLoggers(targets: LogTargets, agent?: AgentIdentity): Loggers {
  if (targets.auditLog !== undefined && targets.auditLog === targets.opsLog) {
    // Ops lines are not chained; mixed into the audit file they would break `scoped-mcp audit verify`.
    throw new StartupError(['--audit-log and --ops-log must name different files']);
  }
  const auditDest = destination(targets.auditLog);
  const opsDest = destination(targets.opsLog);
  const bindings: Record<string, string> = agent
    ? { agent_id: agent.id, agent_type: agent.type, session_id: agent.sessionId }
    : {};
  const audit = createAuditLogger({
    bindings: { logger: 'audit', ...bindings },
    timestamp,
    link: createLinker(targets.auditLog === undefined ? CHAIN_GENESIS : lastLineHash(targets.auditLog)),
    write: (line) => auditDest.write(line),
  });
  const ops = pino(
    {
      messageKey: 'event',
      timestamp,
      formatters: { level: (label: string) => ({ level: label }) },
      base: { logger: 'ops' },
      level: targets.opsLevel ?? process.env.SCOPED_MCP_LOG_LEVEL ?? 'info',
    },
    opsDest as DestinationStream,
  ).child(bindings);
  return {
    audit,
    ops,
    flush() {
      // Every line is written synchronously by its own writeSync: there is nothing buffered to write here.
    },
  };
}

/** What pino needs from a destination, plus the flush hooks `createLoggers` calls at shutdown. */
export interface SyncFileDestination {
  write(line: string): boolean;
  flushSync(): void;
  flush(callback?: (error?: Error) => void): void;
}

/** How long to wait before retrying a write the destination refused for now (EAGAIN on a FIFO). */
const BUSY_RETRY_MS = 10;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * An append-only file written with one `writeSync` per line, nothing buffered: each audit line is on disk
 * (in the page cache) before the call that logged it returns. Replaces pino's SonicBoom for files, whose
 * buffering bookkeeping costs more per line than the write itself on the tool-call hot path. A partial
 * write is finished and a busy destination retried; any other error throws to the caller that logged.
 */
export function openSyncFileDestination(path: string, mode: number): SyncFileDestination {
  return syncFdDestination(fs.openSync(path, 'a', mode));
}

/** The same over an fd already open, e.g. stderr (2), which may be a non-blocking pipe: EAGAIN is waited out. */
function syncFdDestination(fd: number): SyncFileDestination {
  return {
    write(line) {
      let written = 0;
      try {
        written = fs.writeSync(fd, line);
      } catch (error) {
        if (!isBusy(error)) throw error;
      }
      // Almost always the whole line (a regular file takes it in one go); anything else is finished here.
      if (written !== Buffer.byteLength(line)) finish(fd, line, written);
      return true;
    },
    flushSync() {},
    flush(callback) {
      callback?.();
    },
  };
}

function finish(fd: number, line: string, written: number): void {
  const bytes = Buffer.from(line, 'utf8');
  let offset = written;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      if (!isBusy(error)) throw error;
      Atomics.wait(sleepCell, 0, 0, BUSY_RETRY_MS);
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EBUSY';
}
