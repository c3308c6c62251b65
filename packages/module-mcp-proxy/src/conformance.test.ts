import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModuleConformance } from '@scoped-mcp/core/testing';
import { FIXTURE_UPSTREAM } from './__fixtures__/test-helpers.js';
import mcpProxy from './index.js';

// The shared module checks. The allowlist names no upstream tool, so the proxied set is empty and the
// "every tool / read tools only" checks compare like with like (the proxy has no static tools).
describeModuleConformance(mcpProxy, {
  config: {
    command: process.execPath,
    args: [FIXTURE_UPSTREAM],
    tool_allowlist: ['none-such'],
    pinning: 'off',
  },
  packageDir: join(dirname(fileURLToPath(import.meta.url)), '..'),
});
