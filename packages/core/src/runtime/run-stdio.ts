import { installShutdown } from '../server/lifecycle.js';
import { stdioServerTransport } from '../server/mcp-server.js';
import { openScopedServer, type ScopedServerOptions } from './scoped-server.js';

export interface RunOptions extends ScopedServerOptions {
  /** Longest message read from the client, in bytes; overrides the manifest's `limits.max_message_bytes`. */
  readonly maxMessageBytes?: number;
}

/**
 * `scoped-mcp run`: the server over stdin/stdout. stdin EOF, SIGTERM, SIGINT and SIGHUP all lead to the
 * same bounded shutdown (lifecycle.ts), and so does a failed write to stdout (the client is gone, or the
 * pipe refused the data), logged as `stdout_write_failed`. A message over the size limit is logged and
 * dropped, a request among them answered with an error; the connection stays open.
 */
export async function runStdioServer(options: RunOptions): Promise<void> {
  const scoped = await openScopedServer(options);
  const { ops } = scoped.loggers;
  let writeFailed = false;
  const stdio = stdioServerTransport({
    maxMessageBytes: options.maxMessageBytes ?? scoped.limits.max_message_bytes,
    onOversize: (line, limit, { kind, answered }) =>
      ops.warn({ bytes: line.bytes, limit, kind, answered }, 'message_too_large'),
    onWriteError: (error) => {
      if (writeFailed) return;
      writeFailed = true;
      ops.error({ error_code: error.code ?? 'unknown', error_type: error.name }, 'stdout_write_failed');
      void shutdown('stdout_write_failed', 1);
    },
  });
  const shutdown = installShutdown(
    {
      server: scoped.server,
      ops,
      stop: () => scoped.close(),
      // Seals the audit log even when a teardown overran the shutdown deadline (the process exits next).
      flush: () => {
        scoped.loggers.flush();
        scoped.loggers.close?.();
      },
      redact: (text) => scoped.runtime.sanitizer.redactText(text),
    },
    stdio.input,
  );
  try {
    await scoped.connect(stdio.transport, 'stdio');
  } catch (error) {
    // Startup failed with the transport already connected (two modules offering one tool name shows only
    // once they have started): nothing is served. The caller prints the error; then the process ends with
    // code 1 (stdin alone would keep it running).
    await scoped.close();
    setImmediate(() => void shutdown('startup_failed', 1));
    throw error;
  }
}
