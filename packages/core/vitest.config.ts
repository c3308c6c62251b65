import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { maxWorkers } from '../../vitest.workers';

// Core's tests use the test kit of @scoped-mcp/testing, which imports core. Both are read from source
// here, so core's tests need no build of core or of any other package.
const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export default defineProject({
  resolve: {
    alias: [
      { find: /^@scoped-mcp\/core$/, replacement: path('./src/index.ts') },
      { find: /^@scoped-mcp\/core\/runtime$/, replacement: path('./src/runtime.ts') },
      { find: /^@scoped-mcp\/testing$/, replacement: path('../testing/src/index.ts') },
    ],
  },
  test: { name: 'core', maxWorkers, include: ['src/**/*.test.ts'] },
});
