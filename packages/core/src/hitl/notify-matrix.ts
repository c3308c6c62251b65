import { randomUUID } from 'node:crypto';
import { logNotifier } from './notify-log.js';
import { joinUrl, safeForToken, sendNotification } from './notify-http.js';
import type { NotifierDeps, NotifierSetup } from './notifier.js';

/**
 * PUT `/_matrix/client/v3/rooms/{room}/send/m.room.message/{txnId}` (the spec's form: the room id or
 * alias URL-encoded, a fresh transaction id per message) with MATRIX_HOMESERVER / MATRIX_ACCESS_TOKEN
 * from the environment. When they are missing or unsafe, a startup warning says so and approvals are
 * announced in the audit log instead.
 */
export function matrixNotifier(config: { room: string }, deps: NotifierDeps): NotifierSetup {
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
