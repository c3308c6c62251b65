import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModuleConformance } from '@scoped-mcp/testing';
import grafana from './index.js';

// Setup opens no connection: the URL only has to pass the startup checks.
describeModuleConformance(grafana, {
  config: { allowed_datasources: ['Prometheus'] },
  credentials: { GRAFANA_URL: 'http://127.0.0.1:9', GRAFANA_SERVICE_ACCOUNT_TOKEN: 'conformance-token' },
  packageDir: join(dirname(fileURLToPath(import.meta.url)), '..'),
  readme: true,
});
