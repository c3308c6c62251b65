import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModuleConformance } from '@scoped-mcp/testing';
import discord from './index.js';

describeModuleConformance(discord, {
  config: {},
  credentials: { DISCORD_WEBHOOK_URL: 'http://127.0.0.1:9/api/webhooks/1/x' },
  packageDir: join(dirname(fileURLToPath(import.meta.url)), '..'),
  readme: true,
});
