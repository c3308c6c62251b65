import { fileURLToPath } from 'node:url';
import { describeModuleConformance } from '@scoped-mcp/testing';
import { afterAll } from 'vitest';
import { makeTempDir, removeDir } from './__fixtures__/harness.js';
import sqlite from './index.js';

const dir = await makeTempDir('smcp-sqlite-conformance-');
afterAll(() => removeDir(dir));

describeModuleConformance(sqlite, {
  config: { db_dir: dir },
  packageDir: fileURLToPath(new URL('..', import.meta.url)),
  readme: true,
});
