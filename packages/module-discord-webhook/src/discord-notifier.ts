import { type NotifierFactory, NotifyError } from '@scoped-mcp/core';
import { createServiceClient } from '@scoped-mcp/service-http';
import { postToDiscord, webhookUrl } from './discord-webhook.js';

/**
 * `hitl.notify.type: discord_webhook`: posts the approval message (cut to Discord's 2000 characters) to
 * the webhook in `hitl.notify.url`, or else in DISCORD_WEBHOOK_URL from the environment. Without either,
 * approvals are announced in the audit log and a startup warning says so.
 */
export const discordNotifier: NotifierFactory = ({ settings, credential, timeoutMs, fallback }) => {
  const configured = settings.url ?? credential('DISCORD_WEBHOOK_URL');
  if (!configured) {
    return {
      notifier: fallback,
      warnings: [
        'hitl.notify: discord_webhook notifications are off (neither hitl.notify.url nor DISCORD_WEBHOOK_URL is set); approvals are announced in the audit log',
      ],
    };
  }
  const url = webhookUrl(configured, settings.url ? 'hitl.notify.url' : 'DISCORD_WEBHOOK_URL');
  const client = createServiceClient({ service: 'Discord', timeoutMs });
  return {
    warnings: [],
    notifier: {
      type: 'discord_webhook',
      async notify(n) {
        const response = await postToDiscord(client, url, n.message);
        if (response.status !== 200 && response.status !== 204)
          throw new NotifyError(`HTTP ${response.status}`);
      },
      close: () => client.close(),
    },
  };
};
