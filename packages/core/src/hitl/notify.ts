import { randomUUID } from 'node:crypto';
import type { AuditLogger } from '../audit/loggers.js';
import { errorName } from '../errors/error-line.js';
import { NotifyError } from '../errors/errors.js';
import type { HitlNotifyConfig } from '../manifest/schema.js';
import { escapeInvisible } from './approval-arguments.js';

// Telling the operator that an approval is waiting: the notifier, the message text, and the senders (audit
// log, ntfy, webhook, Matrix) over one HTTP helper.

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

/** The manifest's `hitl.notify`, built once at startup. */
export function createNotifier(config: HitlNotifyConfig, deps: NotifierDeps): NotifierSetup {
  switch (config.type) {
    case 'ntfy':
      return ntfyNotifier(config, deps);
    case 'webhook':
      return webhookNotifier(config, deps);
    case 'matrix':
      return matrixNotifier(config, deps);
    default:
      return { notifier: logNotifier(deps.audit), warnings: [] };
  }
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
function logNotifier(audit: AuditLogger): Notifier {
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

const DEFAULT_NTFY_URL = 'https://ntfy.sh';

/** POST `{url}/{topic}`, the message as the body; NTFY_TOKEN (if set) as a bearer token, never in clear over a network. */
function ntfyNotifier(config: { topic: string; url?: string | null }, deps: NotifierDeps): NotifierSetup {
  const url = joinUrl(config.url ?? DEFAULT_NTFY_URL, encodeURIComponent(config.topic));
  const warnings: string[] = [];
  let token = deps.env.NTFY_TOKEN || undefined;
  if (token && !safeForToken(url)) {
    warnings.push('hitl.notify: NTFY_TOKEN is not sent, because hitl.notify.url is not https');
    token = undefined;
  }
  return {
    warnings,
    notifier: {
      type: 'ntfy',
      notify: (n) =>
        sendNotification(
          {
            method: 'POST',
            url,
            headers: {
              // Header values must be Latin-1; tool names are [a-z0-9_], the rest is fixed text.
              Title: `Approval required: ${n.tool}`.replace(/[^\x20-\x7e]/g, '?'),
              Tags: 'warning,scoped-mcp',
              'Content-Type': 'text/plain; charset=utf-8',
              ...(token ? { Authorization: `Bearer ${token}` } : {}),
            },
            body: n.message,
          },
          deps.timeoutMs,
        ),
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

/**
 * PUT `/_matrix/client/v3/rooms/{room}/send/m.room.message/{txnId}` (the spec's form: the room id or
 * alias URL-encoded, a fresh transaction id per message) with MATRIX_HOMESERVER / MATRIX_ACCESS_TOKEN
 * from the environment. When they are missing or unsafe, a startup warning says so and approvals are
 * announced in the audit log instead.
 */
function matrixNotifier(config: { room: string }, deps: NotifierDeps): NotifierSetup {
  const homeserver = deps.env.MATRIX_HOMESERVER || undefined;
  const token = deps.env.MATRIX_ACCESS_TOKEN || undefined;
  const fallback = (reason: string): NotifierSetup => ({
    warnings: [
      `hitl.notify: matrix notifications are off (${reason}); approvals are announced in the audit log`,
    ],
    notifier: logNotifier(deps.audit),
  });
  if (!homeserver || !token) {
    const missing = [!homeserver && 'MATRIX_HOMESERVER', !token && 'MATRIX_ACCESS_TOKEN'].filter(Boolean);
    return fallback(`${missing.join(' and ')} not set`);
  }
  let base: URL;
  try {
    base = new URL(homeserver);
  } catch {
    return fallback('MATRIX_HOMESERVER is not a URL');
  }
  if (!safeForToken(base)) return fallback('MATRIX_HOMESERVER is not https');
  const roomPath = `_matrix/client/v3/rooms/${encodeURIComponent(config.room)}/send/m.room.message`;
  return {
    warnings: [],
    notifier: {
      type: 'matrix',
      notify: (n) =>
        sendNotification(
          {
            method: 'PUT',
            url: joinUrl(base.href, `${roomPath}/${encodeURIComponent(`smcp-${randomUUID()}`)}`),
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
            body: JSON.stringify({ msgtype: 'm.text', body: n.message }),
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

/** Bearer tokens go over https, or plain http to this machine only (where nothing is on the wire). */
function safeForToken(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** Base URL without trailing slashes, so `{base}/{path}` never doubles them. */
function joinUrl(base: string, path: string): URL {
  return new URL(`${base.replace(/\/+$/, '')}/${path}`);
}
