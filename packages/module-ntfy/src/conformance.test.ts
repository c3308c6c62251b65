import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModuleConformance } from '@scoped-mcp/testing';
import ntfy from './index.js';

describeModuleConformance(ntfy, {
  config: {},
  credentials: { NTFY_URL: 'http://127.0.0.1:9' },
  packageDir: join(dirname(fileURLToPath(import.meta.url)), '..'),
  readme: true,
});
