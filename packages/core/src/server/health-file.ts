import { rename, rm, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { errorName } from '../errors/error-line.js';
import { healthFileContent, type StatusReport } from './status-report.js';

/** Atomic: readers never see a half-written file. A failure is logged, never fatal. */
export async function writeHealthFile(path: string, report: StatusReport, ops: Logger): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(healthFileContent(report), null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, path);
    ops.info({ path, healthy: report.healthy }, 'health_file_written');
  } catch (error) {
    await rm(tmp, { force: true }).catch(() => undefined);
    ops.warn({ path, error_type: errorName(error) }, 'health_file_write_failed');
  }
}
