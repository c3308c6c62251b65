import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModuleConformance } from '@scoped-mcp/testing';
import matrix from './index.js';

// Room ids only: the module starts without asking the homeserver anything.
describeModuleConformance(matrix, {
  config: { allowed_rooms: ['!ops:example.org'] },
  credentials: { MATRIX_HOMESERVER: 'http://127.0.0.1:9', MATRIX_ACCESS_TOKEN: 'syt_x' },
  packageDir: join(dirname(fileURLToPath(import.meta.url)), '..'),
  readme: true,
});
