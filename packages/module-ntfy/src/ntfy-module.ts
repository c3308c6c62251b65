import { defineModule, z } from '@scoped-mcp/core';
import { checkServiceUrl, createServiceClient, responseError } from '@scoped-mcp/service-http';
import { clampPriority, ntfyConfig, PRIORITIES, renderTopic } from './config.js';
import { ntfyNotifier } from './ntfy-notifier.js';
import { ntfyError, publish } from './ntfy-publisher.js';

export default defineModule({
  name: 'ntfy',
  description:
    "Push notifications through ntfy to the agent's own topic (agents-{agent_id} unless the operator says otherwise). Write-only: the agent chooses the text, never the server, the topic or the token.",
  config: ntfyConfig,
  credentials: { required: ['NTFY_URL'], optional: ['NTFY_TOKEN'] },
  setup(ctx) {
    const token = ctx.credentials.NTFY_TOKEN || undefined;
    // Plain http is fine for a server without a token; a token goes only where it cannot be read on the wire.
    const url = checkServiceUrl(ctx.credentials.NTFY_URL as string, {
      field: 'NTFY_URL',
      secret: 'NTFY_TOKEN',
      allowPlainHttp: !token,
      plainHttpRemedy: 'unset NTFY_TOKEN',
    });
    return {
      server: { base: url.href, ...(token ? { token } : {}) },
      topic: renderTopic(ctx.config.topic, ctx.agent.id),
      client: createServiceClient({ service: 'ntfy', timeoutMs: ctx.config.timeout_ms }),
    };
  },
  teardown: (state) => state.client.close(),
  notifier: ntfyNotifier,
  tools: (tool) => ({
    send: tool({
      mode: 'write',
      title: 'Send a push notification',
      description: `Send a push notification to your ntfy topic. priority: one of ${PRIORITIES.join(', ')} (default "default"; the operator may cap it). tags: comma-separated ntfy tags or emoji short codes, e.g. "warning,robot". Title and tags are cut to 250 characters. Returns true once ntfy accepted it.`,
      input: z.strictObject({
        title: z.string().describe('The notification title.'),
        message: z.string().describe('The notification body.'),
        priority: z
          .string()
          .default('default')
          .describe(`One of ${PRIORITIES.join(', ')}.`),
        tags: z.string().default('').describe('Comma-separated tags, e.g. "warning,robot".'),
      }),
      output: z.literal(true).describe('ntfy accepted the message.'),
      annotations: { destructiveHint: false, openWorldHint: true },
      async handler({ title, message, priority, tags }, { state, config, signal }) {
        const response = await publish(
          state.client,
          state.server,
          {
            topic: state.topic,
            title,
            message,
            priority: clampPriority(priority, config.max_priority),
            tags,
          },
          signal,
        );
        if (response.status !== 200) throw responseError('ntfy', response, ntfyError(response));
        return true;
      },
    }),
  }),
});
