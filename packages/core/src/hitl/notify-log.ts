import type { AuditLogger } from '../audit/audit-logger.js';
import type { Notifier } from './notifier.js';

/** The default: an audit warning the operator's log tooling can alert on. */
export function logNotifier(audit: AuditLogger): Notifier {
  return {
    type: 'log',
    async notify(n) {
      audit.warn(
        {
          approval_id: n.approval_id,
          tool: n.tool,
          arguments_summary: n.arguments_summary,
          timeout_seconds: n.timeout_seconds,
          message: n.message,
        },
        'hitl_approval_required',
      );
    },
  };
}
