#!/usr/bin/env node
import { enableCompileCache } from './compile-cache.js';
import { main } from './main.js';

// Only a server start, which every agent session pays, is worth a cache in the user's home; the other
// commands write nothing there.
main(process.argv.slice(2), { beforeServe: enableCompileCache }).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`scoped-mcp: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
