import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModuleConformance } from '@scoped-mcp/testing';
import { FIXTURE_UPSTREAM } from './__fixtures__/test-helpers.js';
import mcpProxy from './index.js';

// The shared module checks, on dynamic tools: the proxy has no static tools, it offers the upstream's.
// Proxied tools are write tools (the proxy cannot know what an upstream tool changes), so a read-mode
// instance must serve none of these three, though the upstream hints schema-2020 read-only.
describeModuleConformance(mcpProxy, {
  config: {
    command: process.execPath,
    args: [FIXTURE_UPSTREAM],
    tool_allowlist: ['echo', 'schema-2020', 'pid'],
    pinning: 'off',
  },
  packageDir: join(dirname(fileURLToPath(import.meta.url)), '..'),
  readme: true,
});
