import { renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AuditHead } from '../audit/audit-log.js';
import { errorName } from '../errors/error-line.js';
import type { ModuleInstance, ModuleStatus } from './module-instance.js';

export interface ModuleHealth {
  readonly status: ModuleStatus;
  readonly type: string;
  readonly tool_count: number;
  readonly optional?: true;
  /** The error's type (`SetupTimeoutError`); the health file keeps only this, as the reference does. */
  readonly error_type?: string;
  /**
   * The failure as the operator wrote it (credentials redacted), host paths shown as `<path>`: the agent
   * can say which module failed and why without learning the host's layout. The ops log has it in full.
   */
  readonly error?: string;
}

export interface StatusReport {
  readonly modules: Readonly<Record<string, ModuleHealth>>;
  readonly failed_count: number;
  readonly total_count: number;
  readonly healthy: boolean;
  readonly offline_optional_modules?: readonly string[];
}

const MODULE_STATUSES = [
  'pending',
  'running',
  'failed_import',
  'failed_init',
  'failed_startup',
  'stopped',
] as const satisfies readonly ModuleStatus[];

/** scoped_mcp_status's output schema. */
export const statusReportSchema: z.ZodType<StatusReport> = z.object({
  modules: z.record(
    z.string(),
    z.object({
      status: z.enum(MODULE_STATUSES),
      type: z.string(),
      tool_count: z.number().int(),
      optional: z.literal(true).optional(),
      error_type: z.string().optional(),
      error: z.string().optional(),
    }),
  ),
  failed_count: z.number().int(),
  total_count: z.number().int(),
  healthy: z.boolean(),
  offline_optional_modules: z.array(z.string()).optional(),
});

const FAILED = new Set<ModuleStatus>(['failed_import', 'failed_init', 'failed_startup']);

/** `failed_count` and `healthy` leave out optional modules, as the reference does. */
export function statusReport(instances: readonly ModuleInstance[]): StatusReport {
  const modules: Record<string, ModuleHealth> = {};
  let failed = 0;
  const offlineOptional: string[] = [];
  for (const instance of instances) {
    const isFailed = FAILED.has(instance.status);
    if (isFailed && instance.spec.optional) offlineOptional.push(instance.key);
    else if (isFailed) failed++;
    modules[instance.key] = {
      status: instance.status,
      type: instance.spec.type,
      tool_count: instance.tools.length,
      ...(instance.spec.optional ? { optional: true as const } : {}),
      ...(instance.error
        ? { error_type: errorType(instance.error), error: withoutHostPaths(instance.error) }
        : {}),
    };
  }
  return {
    modules,
    failed_count: failed,
    total_count: instances.length,
    healthy: failed === 0,
    ...(offlineOptional.length > 0 ? { offline_optional_modules: offlineOptional } : {}),
  };
}

/** The status minus the error messages (a file other local users may read carries the types only), plus the audit head. */
export function healthFileContent(
  report: StatusReport,
  auditHead?: { readonly hash: string; readonly lines: number },
): Record<string, unknown> {
  const modules = Object.fromEntries(
    Object.entries(report.modules).map(([key, { error: _shownToTheAgentOnly, ...health }]) => [key, health]),
  );
  return {
    ...report,
    modules,
    ...(auditHead ? { audit_head: auditHead.hash, audit_head_lines: auditHead.lines } : {}),
    written_at: new Date().toISOString(),
  };
}

/** Absolute paths (and file: URLs) in a message, each replaced by `<path>`; the rest of the line kept. */
export function withoutHostPaths(message: string): string {
  return message.replace(/(^|[\s'"`(=[,])(?:file:\/\/)?\/[^\s'"`)\],;]*/g, '$1<path>');
}

/** `TypeError: …` → `TypeError`; anything not shaped like an error name → `Error` (never message text). */
export function errorType(error: string): string {
  const head = error.split(':', 1)[0] ?? '';
  return /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(head) && head !== error ? head : 'Error';
}

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
