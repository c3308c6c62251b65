import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModuleConformance } from '@scoped-mcp/testing';
import { afterAll } from 'vitest';
import influxdb from './index.js';

// Synchronous only here: describe blocks are collected before any hook could run.
const stateDir = mkdtempSync(join(tmpdir(), 'influx-conformance-'));
afterAll(() => rm(stateDir, { recursive: true, force: true }));

// Setup opens no connection: the URL only has to pass the startup checks.
describeModuleConformance(influxdb, {
  config: { org: 'org', buckets: ['metrics'], state_dir: stateDir },
  credentials: { INFLUXDB_URL: 'http://127.0.0.1:9', INFLUXDB_TOKEN: 'conformance-token' },
  packageDir: join(dirname(fileURLToPath(import.meta.url)), '..'),
  readme: true,
});
