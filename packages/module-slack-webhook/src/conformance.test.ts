import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModuleConformance } from '@scoped-mcp/testing';
import slack from './index.js';

describeModuleConformance(slack, {
  config: {},
  credentials: { SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/services/T/B/x' },
  packageDir: join(dirname(fileURLToPath(import.meta.url)), '..'),
  readme: true,
});
