#!/usr/bin/env node
import { enableCompileCache } from './compile-cache.js';
import { main } from './main.js';
import { endQuietlyWhenOutputCloses } from './output.js';

// Only a server start, which every agent session pays, is worth a cache in the user's home; the other
// commands write nothing there.
main(process.argv.slice(2), {
  beforeServe: enableCompileCache,
  beforeOutput: endQuietlyWhenOutputCloses,
}).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  async (error: unknown) => {
    process.exitCode = 1;
    // Core is loaded only now: a command that never fails this way does not pay for it.
    const text = await import('@scoped-mcp/core').then(
      ({ errorMessage }) => errorMessage(error),
      () => String(error),
    );
    process.stderr.write(`scoped-mcp: ${text}\n`);
  },
);
