import type { AuditLogger } from '../audit/loggers.js';
import { errorName } from '../errors/error-line.js';
import { NotifyError } from '../errors/errors.js';
import type { HitlNotifyConfig } from '../manifest/schema.js';
import type { HitlNotification, Notifier, NotifierSetup } from '../module/notifier.js';
import { escapeInvisible } from './approval-arguments.js';

// Telling the operator that an approval is waiting: the message text, and the two senders with no service
// behind them — the audit log and the generic JSON webhook (a contract of scoped-mcp's own, not a
// service's API). A service's sender (ntfy, Matrix, Slack, Discord) lives in its module package and is
// loaded by `openNotifier` (runtime/open-notifier.ts).

export type { HitlNotification, Notifier, NotifierSetup };

export interface NotifierDeps {
  readonly audit: AuditLogger;
  readonly timeoutMs?: number;
}

/** The `hitl.notify` types core sends itself; every other type is a module package's sender. */
export const CORE_NOTIFIER_TYPES: ReadonlySet<string> = new Set(['log', 'webhook']);

/**
 * The manifest's `hitl.notify` when core sends it (log, webhook). For a module's sender that was not loaded
 * (a middleware built without the runtime), approvals are announced in the audit log, and a warning says so.
 */
export function createNotifier(config: HitlNotifyConfig, deps: NotifierDeps): NotifierSetup {
  switch (config.type) {
    case 'log':
      return { notifier: logNotifier(deps.audit), warnings: [] };
    case 'webhook':
      return webhookNotifier(config, deps);
    default:
      return {
        notifier: logNotifier(deps.audit),
        warnings: [
          `hitl.notify: ${config.type} notifications are off (its sender was not loaded); approvals are announced in the audit log`,
        ],
      };
  }
}

/** Arguments shown in a notification's preview; the rest are counted. */
const PREVIEW_MAX_ARGUMENTS = 20;
/** Characters of one preview line; longer ones are cut with `…`. */
const PREVIEW_MAX_LINE = 200;

/**
 * The reference's notification text, with a bounded preview of the arguments marked as one, and the
 * commands that show the exact arguments and decide. Argument names and values come from the agent, so
 * each is written as JSON on one line (strings quoted) with line breaks and bidirectional-text controls
 * escaped: an argument cannot forge an extra "Approve:" line, or reorder what the operator reads.
 */
export function formatApprovalMessage(n: Omit<HitlNotification, 'message'>): string {
  const args = argumentLines(n.arguments_summary);
  return [
    '[scoped-mcp] Approval required',
    `Agent: ${n.agent_id} (${n.agent_type})`,
    `Tool: ${n.tool}`,
    'Args (preview only: sanitised and shortened, not what you approve):',
    ...(args.length > 0 ? args : ['  (none)']),
    `Exact arguments: ${n.show_command}`,
    `Approval ID: ${n.approval_id}`,
    `Timeout: ${n.timeout_seconds}s`,
    '',
    `Approve: ${n.approve_command}`,
    `Reject:  ${n.reject_command}`,
  ].join('\n');
}

function argumentLines(summary: unknown): string[] {
  if (summary === null || summary === undefined) return [];
  if (typeof summary !== 'object' || Array.isArray(summary)) return [previewLine(oneLine(summary))];
  const entries = Object.entries(summary as Record<string, unknown>);
  const lines = entries
    .slice(0, PREVIEW_MAX_ARGUMENTS)
    .map(([key, value]) => previewLine(`${safeKey(key)}: ${oneLine(value)}`));
  if (entries.length > PREVIEW_MAX_ARGUMENTS) {
    lines.push(`  … ${entries.length - PREVIEW_MAX_ARGUMENTS} more argument(s)`);
  }
  return lines;
}

function previewLine(text: string): string {
  const chars = Array.from(text);
  return `  ${chars.length > PREVIEW_MAX_LINE ? `${chars.slice(0, PREVIEW_MAX_LINE - 1).join('')}…` : text}`;
}

function safeKey(key: string): string {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(key) ? key : oneLine(key);
}

function oneLine(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = '"<unserializable>"';
  }
  return escapeInvisible(text);
}

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

/**
 * POST JSON `{approval_id, tool, agent_id, agent_type, arguments_summary, timeout_seconds, show_command,
 * approve_command, reject_command, message}`.
 */
function webhookNotifier(config: { url: string }, deps: NotifierDeps): NotifierSetup {
  const url = new URL(config.url);
  return {
    warnings: [],
    notifier: {
      type: 'webhook',
      notify: (n) =>
        sendNotification(
          {
            method: 'POST',
            url,
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({
              approval_id: n.approval_id,
              tool: n.tool,
              agent_id: n.agent_id,
              agent_type: n.agent_type,
              arguments_summary: n.arguments_summary,
              timeout_seconds: n.timeout_seconds,
              show_command: n.show_command,
              approve_command: n.approve_command,
              reject_command: n.reject_command,
              message: n.message,
            }),
          },
          deps.timeoutMs,
        ),
    },
  };
}

/** Every notification request gives up after this long; the agent's refusal waits for it. */
const NOTIFY_TIMEOUT_MS = 10_000;

interface HttpRequest {
  readonly method: 'POST' | 'PUT';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Sends one request with Node's fetch; resolves on 2xx, throws NotifyError otherwise. Redirects are refused. */
export async function sendNotification(
  request: HttpRequest,
  timeoutMs: number = NOTIFY_TIMEOUT_MS,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      // A redirect could carry the Authorization header or the body somewhere the operator did not name.
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new NotifyError(
      errorName(error) === 'TimeoutError'
        ? `timed out after ${timeoutMs / 1000} s`
        : 'request failed (network error or redirect)',
    );
  }
  // Drain the body so the connection is released; its content is never read.
  await response.body?.cancel().catch(() => undefined);
  if (!response.ok) throw new NotifyError(`HTTP ${response.status}`);
}
