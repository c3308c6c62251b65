import { renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { errorName } from '../errors/error-line.js';
import type { AuditHead } from '../audit/audit-log.js';
import { healthFileContent, type StatusReport } from './status-report.js';

/**
 * Atomic: readers never see a half-written file. A failure is logged, never fatal. `auditHead` is the audit
 * chain's newest line, kept here outside the audit file (`scoped-mcp audit verify --head`). Synchronous
 * inside (a few small writes): the head written at shutdown is on disk before the process exits.
 */
export async function writeHealthFile(
  path: string,
  report: StatusReport,
  ops: Logger,
  auditHead?: AuditHead,
): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const content = healthFileContent(report, auditHead);
    writeFileSync(tmp, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
    ops.info({ path, healthy: report.healthy }, 'health_file_written');
  } catch (error) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing more to clean.
    }
    ops.warn({ path, error_type: errorName(error) }, 'health_file_write_failed');
  }
}
