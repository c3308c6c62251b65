import { errorMessage, type NotifierFactory, type NotifierSetup } from '@scoped-mcp/core';
import { homeserverUrl, MatrixConnection } from './matrix-connection.js';

/**
 * `hitl.notify.type: matrix`: sends the approval message to `hitl.notify.room` with MATRIX_HOMESERVER and
 * MATRIX_ACCESS_TOKEN from the environment (as the reference does). When they are missing or unsafe, a
 * startup warning says so and approvals are announced in the audit log instead. An alias is resolved at
 * the first notification and remembered (the send endpoint takes room ids only); an encrypted room gets
 * nothing, as with the tool.
 */
export const matrixNotifier: NotifierFactory = async ({ settings, credential, timeoutMs, fallback }) => {
  const homeserver = credential('MATRIX_HOMESERVER');
  const token = credential('MATRIX_ACCESS_TOKEN');
  const off = (reason: string): NotifierSetup => ({
    warnings: [
      `hitl.notify: matrix notifications are off (${reason}); approvals are announced in the audit log`,
    ],
    notifier: fallback,
  });
  if (!homeserver || !token) {
    const missing = [!homeserver && 'MATRIX_HOMESERVER', !token && 'MATRIX_ACCESS_TOKEN'].filter(Boolean);
    return off(`${missing.join(' and ')} not set`);
  }
  let url: URL;
  try {
    url = homeserverUrl(homeserver);
  } catch (error) {
    // The rule's message names the variable, never its value.
    return off(errorMessage(error));
  }
  const room = settings.room;
  if (!room) return off('hitl.notify.room not set');
  const connection = await MatrixConnection.open({ homeserver: url.href, accessToken: token }, timeoutMs);
  let roomId: string | undefined = room.startsWith('!') ? room : undefined;
  return {
    warnings: [],
    notifier: {
      type: 'matrix',
      async notify(n) {
        roomId ??= await connection.resolveAlias(room);
        await connection.sendText(roomId, n.message);
      },
      close: () => connection.close(),
    },
  };
};
