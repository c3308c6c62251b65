import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../__fixtures__/module-packages.js';
import { captureLogger } from '@scoped-mcp/testing';
import { type StatusReport, writeHealthFile } from './status-report.js';

const report: StatusReport = {
  modules: {
    fs: { status: 'running', type: 'filesystem', tool_count: 4 },
    db: {
      status: 'failed_startup',
      type: 'sqlite',
      tool_count: 0,
      error_type: 'SqliteError',
    },
  },
  failed_count: 1,
  total_count: 2,
  healthy: false,
};

let dir: string;
let ops: Record<string, unknown>[];

beforeEach(async () => {
  dir = await tempDir('health');
  ops = [];
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeHealthFile', () => {
  it('writes the report with error types only, owner-only, and logs it', async () => {
    const path = join(dir, 'health.json');
    await writeHealthFile(path, report, captureLogger('ops', ops));
    const text = await readFile(path, 'utf8');
    const content = JSON.parse(text);
    expect(content.modules.db).toEqual({
      status: 'failed_startup',
      type: 'sqlite',
      tool_count: 0,
      error_type: 'SqliteError',
    });
    expect(content).toMatchObject({ failed_count: 1, total_count: 2, healthy: false });
    expect(text).not.toContain('/srv/agents');
    expect(text.endsWith('\n')).toBe(true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(ops).toEqual([expect.objectContaining({ event: 'health_file_written', path, healthy: false })]);
    expect(await readdir(dir)).toEqual(['health.json']);
  });

  it('replaces the previous file by rename rather than rewriting it in place', async () => {
    const path = join(dir, 'health.json');
    await writeFile(path, '{"old":true}');
    const before = (await stat(path)).ino;
    await writeHealthFile(path, report, captureLogger('ops', ops));
    expect((await stat(path)).ino).not.toBe(before);
    expect(JSON.parse(await readFile(path, 'utf8'))).not.toHaveProperty('old');
    expect(await readdir(dir)).toEqual(['health.json']);
  });

  it('never throws: a failed write is logged with the error type only', async () => {
    const path = join(dir, 'missing-dir', 'health.json');
    await expect(writeHealthFile(path, report, captureLogger('ops', ops))).resolves.toBeUndefined();
    expect(ops).toEqual([
      expect.objectContaining({
        event: 'health_file_write_failed',
        path,
        error_type: 'Error',
        level: 'warn',
      }),
    ]);
    expect(JSON.stringify(ops)).not.toContain('ENOENT: no such file');
  });

  it('leaves no temp file behind when the rename fails', async () => {
    const path = join(dir, 'is-a-dir');
    await mkdir(join(path, 'child'), { recursive: true });
    await writeHealthFile(path, report, captureLogger('ops', ops));
    expect(ops.at(-1)).toMatchObject({ event: 'health_file_write_failed' });
    expect((await readdir(dir)).sort()).toEqual(['is-a-dir']);
  });
});
