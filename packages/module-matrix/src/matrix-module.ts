import { defineModule, z } from '@scoped-mcp/core';
import { matrixConfig } from './config.js';
import { MatrixConnection } from './matrix-connection.js';
import { matrixNotifier } from './matrix-notifier.js';
import { RoomAllowlist } from './room-allowlist.js';

export default defineModule({
  name: 'matrix',
  description:
    'Send messages to Matrix rooms the operator allowed (room ids and aliases), unencrypted rooms only. Write-only: the agent chooses the text and one of the allowed rooms, never the homeserver or the account.',
  config: matrixConfig,
  credentials: { required: ['MATRIX_HOMESERVER', 'MATRIX_ACCESS_TOKEN'] },
  async setup(ctx) {
    const connection = await MatrixConnection.open(
      {
        homeserver: ctx.credentials.MATRIX_HOMESERVER as string,
        accessToken: ctx.credentials.MATRIX_ACCESS_TOKEN as string,
      },
      ctx.config.timeout_ms,
    );
    try {
      const rooms = await RoomAllowlist.resolve(ctx.config.allowed_rooms, (alias) =>
        connection.resolveAlias(alias),
      );
      return { connection, rooms };
    } catch (error) {
      await connection.close();
      throw error;
    }
  },
  teardown: (state) => state.connection.close(),
  notifier: matrixNotifier,
  tools: (tool) => ({
    send: tool({
      mode: 'write',
      title: 'Send to a Matrix room',
      description:
        'Send a plain-text message to one of your allowed Matrix rooms, named by its room id (!abc:example.org) or allowed alias (#ops:example.org). Encrypted rooms are refused. Returns true once the homeserver accepted it.',
      input: z.strictObject({
        room: z.string().max(255).describe('An allowed room id or alias.'),
        message: z.string().describe('The message (plain text).'),
      }),
      output: z.literal(true).describe('The homeserver accepted the message.'),
      annotations: { destructiveHint: false, openWorldHint: true },
      async handler({ room, message }, { state, signal }) {
        // Scope first: a room outside the list never reaches the homeserver.
        const roomId = state.rooms.roomId(room);
        await state.connection.sendText(roomId, message, signal);
        return true;
      },
    }),
  }),
});
