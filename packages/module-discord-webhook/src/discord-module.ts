import { defineModule, z } from '@scoped-mcp/core';
import { createServiceClient, responseError, sendTimeoutSetting } from '@scoped-mcp/service-http';
import { DISCORD_MAX_CONTENT, discordError, postToDiscord, webhookUrl } from './discord-webhook.js';
import { discordNotifier } from './discord-notifier.js';

export const discordConfig = z.strictObject({
  timeout_ms: sendTimeoutSetting(),
});

export default defineModule({
  name: 'discord_webhook',
  description:
    'Post messages to one Discord channel through a webhook. Write-only: one URL is one channel, chosen by the operator; mentions (@everyone, @here, roles, users) never ping.',
  config: discordConfig,
  credentials: { required: ['DISCORD_WEBHOOK_URL'] },
  setup: (ctx) => ({
    url: webhookUrl(ctx.credentials.DISCORD_WEBHOOK_URL as string, 'DISCORD_WEBHOOK_URL'),
    client: createServiceClient({ service: 'Discord', timeoutMs: ctx.config.timeout_ms }),
  }),
  teardown: (state) => state.client.close(),
  notifier: discordNotifier,
  tools: (tool) => ({
    send: tool({
      mode: 'write',
      title: 'Post to Discord',
      description: `Post a message to the Discord channel the operator configured. Discord markdown works; mentions are shown but never ping anyone. Content over ${DISCORD_MAX_CONTENT} characters is cut to its first ${DISCORD_MAX_CONTENT - 3} and "...". Returns true once Discord saved it.`,
      input: z.strictObject({ content: z.string().describe('The message (Discord markdown).') }),
      output: z.literal(true).describe('Discord saved the message.'),
      annotations: { destructiveHint: false, openWorldHint: true },
      async handler({ content }, { state, signal }) {
        const response = await postToDiscord(state.client, state.url, content, signal);
        if (response.status !== 200 && response.status !== 204) {
          throw responseError('Discord', response, discordError(response));
        }
        return true;
      },
    }),
  }),
});
