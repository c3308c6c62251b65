import type { AuditLogger } from '../audit/audit-logger.js';
import type { HitlNotifyConfig } from '../manifest/manifest-types.js';
import type { HitlNotification } from './notify-message.js';

/** Tells the operator an approval is waiting. May throw; the HITL middleware swallows and audits failures. */
export interface Notifier {
  /** `log` | `ntfy` | `webhook` | `matrix` (for the audit line of a failure). */
  readonly type: HitlNotifyConfig['type'];
  notify(notification: HitlNotification): Promise<void>;
}

export interface NotifierDeps {
  readonly audit: AuditLogger;
  /** Where NTFY_TOKEN, MATRIX_HOMESERVER and MATRIX_ACCESS_TOKEN are read, once, at startup. */
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export interface NotifierSetup {
  readonly notifier: Notifier;
  readonly warnings: string[];
}
