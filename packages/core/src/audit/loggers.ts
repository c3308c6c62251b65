// The module object, not named bindings: a test can then watch which fds are written (stdout never is).
import fs from 'node:fs';
import { dirname } from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';
import { errorName } from '../errors/error-line.js';
import { StartupError } from '../errors/errors.js';
import type { AgentIdentity } from '../identity/agent-identity.js';
import { writeFully } from './audit-file.js';
import { type AuditChainSettings, type AuditHead, type AuditLogger, openAuditLog } from './audit-log.js';
import { escapeLineBreakers, timestamp } from './log-line.js';

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
  /**
   * Starts the audit chain's segment once the manifest is read (the chain key comes from its credential
   * source); each head handed out also goes to the ops log (`audit_head`). Optional: without it, the first
   * audit line starts an unkeyed segment.
   */
  startAudit?(settings?: AuditChainSettings): void;
  /** The audit chain's newest line (for the health file). */
  auditHead?(): AuditHead;
  /** Called at shutdown; kept for embedders, though both streams write each line synchronously. */
  flush(): void;
  /** Seals the audit chain and frees the audit file's lock; audit lines logged afterwards are refused. */
  close?(): void;
}

export type { AuditLogger } from './audit-log.js';

function opsDestination(path: string | undefined): SyncFileDestination {
  if (path === undefined) return syncFdDestination(2);
  fs.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return openSyncFileDestination(path, 0o600);
}

/**
 * Two JSONL streams: audit (what the agent did; hash-chained, one writer per file) and ops (what the server
 * did). Never stdout — stdout carries MCP frames.
 */
export function createLoggers(targets: LogTargets, agent?: AgentIdentity): Loggers {
  if (targets.auditLog !== undefined && targets.auditLog === targets.opsLog) {
    // Ops lines are not chained; mixed into the audit file they would break `scoped-mcp audit verify`.
    throw new StartupError(['--audit-log and --ops-log must name different files']);
  }
  const bindings: Record<string, string> = agent
    ? { agent_id: agent.id, agent_type: agent.type, session_id: agent.sessionId }
    : {};
  // The audit file first: a second process on the same file stops here, before it has written anything.
  const auditLog = openAuditLog({
    path: targets.auditLog,
    bindings: { logger: 'audit', ...bindings },
    timestamp,
  });
  let opsDest: SyncFileDestination;
  try {
    opsDest = opsDestination(targets.opsLog);
  } catch (error) {
    auditLog.close();
    throw error;
  }
  const ops = pino(
    {
      messageKey: 'event',
      timestamp,
      formatters: { level: (label: string) => ({ level: label }) },
      base: { logger: 'ops' },
      level: targets.opsLevel ?? process.env.SCOPED_MCP_LOG_LEVEL ?? 'info',
      hooks: { streamWrite: escapeLineBreakers },
    },
    opsDest as DestinationStream,
  ).child(bindings);
  let closed = false;
  return {
    audit: auditLog.logger,
    ops,
    startAudit(settings = {}) {
      auditLog.start({
        ...settings,
        onHead(head, reason) {
          try {
            ops.info({ head: head.hash, lines: head.lines, reason }, 'audit_head');
          } catch {
            // The ops log failing must not stop the audit log; the head goes to the health file too.
          }
          settings.onHead?.(head, reason);
        },
      });
    },
    auditHead: () => auditLog.head(),
    flush() {
      // Every line is written synchronously by its own writeSync: there is nothing buffered to write here.
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        auditLog.close();
      } catch (error) {
        try {
          ops.error({ error_type: errorName(error), error_code: fileErrorCode(error) }, 'audit_seal_failed');
        } catch {
          // Nothing left to report it to.
        }
      }
    },
  };
}

/** The file system's code of an audit write failure (`ENOSPC`), never its message (which names host paths). */
export function fileErrorCode(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  const code = (cause as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : 'unknown';
}

/** What pino needs from a destination, plus the flush hooks `createLoggers` calls at shutdown. */
export interface SyncFileDestination {
  write(line: string): boolean;
  flushSync(): void;
  flush(callback?: (error?: Error) => void): void;
}

/**
 * An append-only file written with one `writeSync` per line, nothing buffered: each line is on disk (in the
 * page cache) before the call that logged it returns. Replaces pino's SonicBoom for files, whose buffering
 * bookkeeping costs more per line than the write itself. A partial write is finished and a busy destination
 * retried; any other error throws to the caller that logged.
 */
export function openSyncFileDestination(path: string, mode: number): SyncFileDestination {
  return syncFdDestination(fs.openSync(path, 'a', mode));
}

/** The same over an fd already open, e.g. stderr (2), which may be a non-blocking pipe: EAGAIN is waited out. */
function syncFdDestination(fd: number): SyncFileDestination {
  return {
    write(line) {
      writeFully(fd, line);
      return true;
    },
    flushSync() {},
    flush(callback) {
      callback?.();
    },
  };
}
