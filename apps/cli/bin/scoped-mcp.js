#!/usr/bin/env node
// The `scoped-mcp` executable. It lives in the source tree, not in dist/, so a package manager can link it
// before the workspace is built; it checks the Node version before any of the CLI's code is loaded.
import { existsSync } from 'node:fs';
import { nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem(process.versions.node, process.execPath);
const body = new URL('../dist/bin.js', import.meta.url);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exitCode = 1;
} else if (!existsSync(body)) {
  // Only a checkout that was never built lacks dist/; a published package always has it.
  process.stderr.write('scoped-mcp: the CLI is not built yet: run `pnpm build` in the repository first.\n');
  process.exitCode = 1;
} else {
  await import(body.href);
}
