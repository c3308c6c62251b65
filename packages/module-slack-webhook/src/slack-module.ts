import { defineModule, LimitExceededError, z } from '@scoped-mcp/core';
import {
  checkWebhookUrl,
  createServiceClient,
  responseError,
  sendTimeoutSetting,
} from '@scoped-mcp/service-http';
import { slackNotifier } from './slack-notifier.js';
import { postToSlack, SLACK_MAX_TEXT_CHARS, slackError } from './slack-webhook.js';

export const slackConfig = z.strictObject({
  timeout_ms: sendTimeoutSetting(),
});

export default defineModule({
  name: 'slack_webhook',
  description:
    'Post messages to one Slack channel through an incoming webhook. Write-only: one URL is one channel, chosen by the operator; the agent never sees the URL.',
  config: slackConfig,
  credentials: { required: ['SLACK_WEBHOOK_URL'] },
  setup: (ctx) => ({
    url: checkWebhookUrl(ctx.credentials.SLACK_WEBHOOK_URL as string, 'SLACK_WEBHOOK_URL'),
    client: createServiceClient({ service: 'Slack', timeoutMs: ctx.config.timeout_ms }),
  }),
  teardown: (state) => state.client.close(),
  notifier: slackNotifier,
  tools: (tool) => ({
    send: tool({
      mode: 'write',
      title: 'Post to Slack',
      description: `Post a message to the Slack channel the operator configured. Slack mrkdwn formatting works (*bold*, _italic_, <https://example.org|links>). At most ${SLACK_MAX_TEXT_CHARS} characters. Returns true once Slack accepted it.`,
      input: z.strictObject({ text: z.string().describe('The message text (Slack mrkdwn).') }),
      output: z.literal(true).describe('Slack accepted the message.'),
      annotations: { destructiveHint: false, openWorldHint: true },
      async handler({ text }, { state, signal }) {
        // Slack would cut it silently; refusing lets the agent split or shorten it.
        const length = Array.from(text).length;
        if (length > SLACK_MAX_TEXT_CHARS) {
          throw new LimitExceededError(
            `text is ${length} characters; Slack takes at most ${SLACK_MAX_TEXT_CHARS}: send it in parts`,
            { name: 'slack_max_text_chars', value: SLACK_MAX_TEXT_CHARS },
          );
        }
        const response = await postToSlack(state.client, state.url, text, signal);
        if (response.status !== 200) throw responseError('Slack', response, slackError(response));
        return true;
      },
    }),
  }),
});
