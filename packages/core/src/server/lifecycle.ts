import type { Logger } from 'pino';
import { errorLine, errorName } from '../errors/error-line.js';

/** What shutdown closes first: the MCP server (the connection; calls still running are aborted). */
export interface Closable {
  close(): Promise<void>;
}

export interface ShutdownHooks {
  readonly server: Closable;
  readonly ops: Logger;
  /** Module teardown. */
  stop(): Promise<void>;
  flush(): void;
  /** Applied to stack traces before they are logged (they can quote secrets). */
  redact?(text: string): string;
  /** Hard limit for the whole shutdown; the process exits then even if a teardown hangs. */
  readonly deadlineMs?: number;
  exit?(code: number): void;
}

/**
 * The SDK's stdio server does not end the process when the client closes stdin, and open upstream pipes
 * keep the event loop alive — so EOF, SIGTERM and SIGINT all lead here: close, teardown, flush, exit.
 * The returned function starts the same shutdown for any other reason, exiting with `code`.
 */
export function installShutdown(
  hooks: ShutdownHooks,
  input: NodeJS.ReadableStream = process.stdin,
): (reason: string, code?: number) => Promise<void> {
  const exit = hooks.exit ?? ((code: number) => process.exit(code));
  const redact = hooks.redact ?? ((text: string) => text);
  let running: Promise<void> | undefined;
  const shutdown = (reason: string, code = 0): Promise<void> => {
    running ??= (async () => {
      hooks.ops.info({ reason }, 'shutdown');
      const deadline = setTimeout(() => {
        hooks.ops.warn({ reason }, 'shutdown_deadline_exceeded');
        hooks.flush();
        exit(code);
      }, hooks.deadlineMs ?? 2500);
      deadline.unref();
      try {
        await hooks.server.close().catch(() => undefined);
        await hooks.stop().catch((error: unknown) => {
          hooks.ops.error({ error_type: errorName(error) }, 'shutdown_teardown_failed');
        });
      } finally {
        clearTimeout(deadline);
        hooks.ops.info({ reason }, 'shutdown_complete');
        hooks.flush();
        exit(code);
      }
    })();
    return running;
  };
  input.once('end', () => void shutdown('stdin_closed'));
  input.once('close', () => void shutdown('stdin_closed'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGHUP', () => void shutdown('SIGHUP'));
  process.on('uncaughtException', (error) => {
    hooks.ops.fatal({ error_type: error.name, stack: redact(error.stack ?? '') }, 'uncaught_exception');
    void shutdown('uncaught_exception', 1);
  });
  process.on('unhandledRejection', (reason) => {
    // A rejection with a non-error value has no stack: its one line stands in.
    const stack = (reason as { stack?: unknown } | null | undefined)?.stack;
    hooks.ops.error(
      { error_type: errorName(reason), stack: redact(typeof stack === 'string' ? stack : errorLine(reason)) },
      'unhandled_rejection',
    );
  });
  return (reason, code = 0) => shutdown(reason, code);
}
