import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { AgentIdentity } from '../identity/agent-identity.js';
import { type AuditLogger, createAuditLogger } from './audit-logger.js';
import { CHAIN_GENESIS, createLinker, lastLineHash } from './hash-chain.js';
import {
  openSyncFileDestination,
  type SyncFileDestination,
  syncFdDestination,
} from './sync-file-destination.js';

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
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
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
    throw new Error('--audit-log and --ops-log must name different files');
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
