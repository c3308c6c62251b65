// The sender a module package may offer for `hitl.notify`: core keeps the interface, the message text and
// the senders with no service behind them (the audit log, the generic JSON webhook); a service's own HTTP
// code lives once, in its module package (`hitl.notify.type: ntfy` is sent by @scoped-mcp/module-ntfy).

/** Tells the operator an approval is waiting. May throw; the HITL middleware swallows and audits failures. */
export interface Notifier {
  /** The `hitl.notify.type` it sends for (`log`, `webhook`, `ntfy`, …), for the audit line of a failure. */
  readonly type: string;
  notify(notification: HitlNotification): Promise<void>;
  /** Releases what the sender holds (a connection pool), at shutdown. */
  close?(): Promise<void>;
}

/**
 * What every notifier is given. Notifications leave the host (ntfy.sh, a chat room), so they carry the
 * audit sanitiser's summary of the arguments as a preview — never the raw values, and never what is
 * approved: the operator reads the exact arguments with `show_command` before approving.
 */
export interface HitlNotification {
  readonly approval_id: string;
  readonly tool: string;
  readonly agent_id: string;
  readonly agent_type: string;
  /** The sanitised summary: credential-looking keys and token patterns redacted, long values cut. */
  readonly arguments_summary: unknown;
  readonly timeout_seconds: number;
  /** `scoped-mcp hitl --manifest <path> show <id>`: where the full arguments are (operatorCommand). */
  readonly show_command: string;
  readonly approve_command: string;
  readonly reject_command: string;
  /** The human text (formatApprovalMessage). */
  readonly message: string;
}

export interface NotifierSetup {
  readonly notifier: Notifier;
  /** For the ops log at startup (a token withheld, credentials missing); never a secret value. */
  readonly warnings: string[];
}

/** The manifest's `hitl.notify`: its `type` and the fields of that type (`topic`, `url`, `room`). */
export interface NotifierSettings {
  readonly type: string;
  readonly topic?: string | null;
  readonly url?: string | null;
  readonly room?: string | null;
}

/** What a module's `notifier` factory receives, once, at startup. */
export interface NotifierContext {
  readonly settings: NotifierSettings;
  /**
   * A credential of the sender by name (`NTFY_TOKEN`, `MATRIX_ACCESS_TOKEN`), read from the server's
   * environment as the reference does; undefined when unset or empty.
   */
  credential(name: string): string | undefined;
  /** How long one notification may take (10 s unless a test or an embedder says otherwise). */
  readonly timeoutMs: number;
  /** The audit-log notifier, for a sender that cannot send (its credentials are missing). */
  readonly fallback: Notifier;
}

/** Builds the sender from the settings; may be async (a heavy client library is imported here). */
export type NotifierFactory = (ctx: NotifierContext) => NotifierSetup | Promise<NotifierSetup>;
