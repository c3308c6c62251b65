import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModuleConformance } from '@scoped-mcp/testing';
import httpProxy from './index.js';

describeModuleConformance(httpProxy, {
  config: {
    allowed_services: [{ name: 'api', base_url: 'https://api.example.com/v1', credential_key: 'API_TOKEN' }],
  },
  credentials: { API_TOKEN: 'conformance-token' },
  packageDir: join(dirname(fileURLToPath(import.meta.url)), '..'),
  readme: true,
});
