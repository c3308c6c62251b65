import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeModuleConformance } from '@scoped-mcp/testing';
import { afterAll } from 'vitest';
import filesystem from './index.js';

// Synchronous only here: describe blocks are collected before any hook could run.
const base = mkdtempSync(join(tmpdir(), 'fs-conformance-'));
afterAll(() => rm(base, { recursive: true, force: true }));

describeModuleConformance(filesystem, {
  config: { base_path: base },
  packageDir: join(dirname(fileURLToPath(import.meta.url)), '..'),
  readme: true,
});
