import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { AgentIdentity } from '../identity/agent-identity.js';
import { createChainer, lastLineHash } from './hash-chain.js';
import { openSyncFileDestination } from './sync-file-destination.js';

export interface LogTargets {
  /** File for the audit JSONL; stderr when absent. */
  readonly auditLog?: string;
  /** File for the ops JSONL; stderr when absent. */
  readonly opsLog?: string;
  /** Ops log level (default `info`; `SCOPED_MCP_LOG_LEVEL`). */
  readonly opsLevel?: string;
}

export interface Loggers {
  readonly audit: Logger;
  readonly ops: Logger;
  /** Writes anything buffered; called at shutdown. */
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

function destination(path: string | undefined): DestinationStream & { flushSync?: () => void } {
  if (path === undefined) return pino.destination({ fd: 2, sync: true });
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
  const chain = createChainer(
    targets.auditLog === undefined ? '0'.repeat(32) : lastLineHash(targets.auditLog),
  );
  const bindings = agent ? { agent_id: agent.id, agent_type: agent.type, session_id: agent.sessionId } : {};
  const common = {
    messageKey: 'event',
    timestamp,
    formatters: { level: (label: string) => ({ level: label }) },
  } as const;
  const audit = pino(
    { ...common, base: { logger: 'audit' }, level: 'info', hooks: { streamWrite: chain } },
    auditDest,
  ).child(bindings);
  const ops = pino(
    {
      ...common,
      base: { logger: 'ops' },
      level: targets.opsLevel ?? process.env.SCOPED_MCP_LOG_LEVEL ?? 'info',
    },
    opsDest,
  ).child(bindings);
  return {
    audit,
    ops,
    flush() {
      for (const dest of new Set([auditDest, opsDest])) {
        try {
          dest.flushSync?.();
        } catch {
          // a closed fd at exit is not worth failing shutdown for
        }
      }
    },
  };
}
