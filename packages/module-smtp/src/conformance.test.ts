import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModuleConformance } from '@scoped-mcp/testing';
import { smtpOptions } from './__fixtures__/harness.js';
import smtp from './index.js';

// Setup makes the transport without connecting, so no server is needed here.
const options = smtpOptions({ host: '127.0.0.1', port: 2525 });

describeModuleConformance(smtp, {
  config: options.config,
  credentials: options.credentials,
  packageDir: join(dirname(fileURLToPath(import.meta.url)), '..'),
  readme: true,
});
