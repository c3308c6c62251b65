import { installShutdown } from '../server/lifecycle.js';
import { stdioServerTransport } from '../server/mcp-server.js';
import { openScopedServer, type ScopedServerOptions } from './scoped-server.js';

export interface RunOptions extends ScopedServerOptions {
  /** Longest message read from the client, in bytes; default the MCP SDK's limit (10 MiB). */
  readonly maxMessageBytes?: number;
}

/**
 * `scoped-mcp run`: the server over stdin/stdout. stdin EOF, SIGTERM, SIGINT and SIGHUP all lead to the
 * same bounded shutdown (lifecycle.ts). A message over the size limit is logged and dropped; the
 * connection stays open.
 */
export async function runStdioServer(options: RunOptions): Promise<void> {
  const scoped = await openScopedServer(options);
  const { ops } = scoped.loggers;
  const stdio = stdioServerTransport({
    ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
    onOversize: (line, limit) => ops.warn({ bytes: line.bytes, limit }, 'message_too_large'),
  });
  const shutdown = installShutdown(
    {
      server: scoped.server,
      ops,
      stop: () => scoped.close(),
      flush: () => scoped.loggers.flush(),
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
