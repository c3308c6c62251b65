/** Human output of the non-serving commands. `run` never writes to stdout: it carries MCP frames. */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function err(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * A reader that goes away (`scoped-mcp validate … | head`) ends the command quietly, as other command-line
 * tools do, instead of with an EPIPE stack. `run` never installs this: there a closed stdout is the client
 * gone, which the server handles (ordered shutdown, `stdout_write_failed` in the ops log).
 */
export function endQuietlyWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
}
