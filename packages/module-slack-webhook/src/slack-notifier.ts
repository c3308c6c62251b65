import { type NotifierFactory, NotifyError } from '@scoped-mcp/core';
import { checkWebhookUrl, createServiceClient } from '@scoped-mcp/service-http';
import { postToSlack, slackError } from './slack-webhook.js';

/**
 * `hitl.notify.type: slack_webhook`: posts the approval message to the webhook in `hitl.notify.url`, or
 * else in SLACK_WEBHOOK_URL from the environment. Without either, approvals are announced in the audit
 * log and a startup warning says so.
 */
export const slackNotifier: NotifierFactory = ({ settings, credential, timeoutMs, fallback }) => {
  const configured = settings.url ?? credential('SLACK_WEBHOOK_URL');
  if (!configured) {
    return {
      notifier: fallback,
      warnings: [
        'hitl.notify: slack_webhook notifications are off (neither hitl.notify.url nor SLACK_WEBHOOK_URL is set); approvals are announced in the audit log',
      ],
    };
  }
  const url = checkWebhookUrl(configured, settings.url ? 'hitl.notify.url' : 'SLACK_WEBHOOK_URL');
  const client = createServiceClient({ service: 'Slack', timeoutMs });
  return {
    warnings: [],
    notifier: {
      type: 'slack_webhook',
      async notify(n) {
        const response = await postToSlack(client, url, n.message);
        if (response.status !== 200) {
          const name = slackError(response)?.split(':', 1)[0];
          throw new NotifyError(`HTTP ${response.status}${name ? ` (${name})` : ''}`);
        }
      },
      close: () => client.close(),
    },
  };
};
