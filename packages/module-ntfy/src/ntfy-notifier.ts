import { NotifyError, type NotifierFactory } from '@scoped-mcp/core';
import { createServiceClient, secureOrLoopback } from '@scoped-mcp/service-http';
import { publish } from './ntfy-publisher.js';

/** The reference's server when `hitl.notify.url` is not set. */
const DEFAULT_NTFY_URL = 'https://ntfy.sh';

/**
 * `hitl.notify.type: ntfy`: POST `{url}/{topic}` with the approval message as the body, `Title: Approval
 * required: <tool>` and `Tags: warning,scoped-mcp` (reference §5.4). NTFY_TOKEN comes from the
 * environment, as in the reference, and is sent only over https or to this machine; otherwise a startup
 * warning says it is withheld.
 */
export const ntfyNotifier: NotifierFactory = ({ settings, credential, timeoutMs }) => {
  const topic = settings.topic;
  if (!topic) throw new NotifyError('hitl.notify.topic is required for ntfy');
  const base = settings.url ?? DEFAULT_NTFY_URL;
  const warnings: string[] = [];
  let token = credential('NTFY_TOKEN');
  if (token && !secureOrLoopback(new URL(base))) {
    warnings.push('hitl.notify: NTFY_TOKEN is not sent, because hitl.notify.url is not https');
    token = undefined;
  }
  const client = createServiceClient({ service: 'ntfy', timeoutMs });
  return {
    warnings,
    notifier: {
      type: 'ntfy',
      async notify(n) {
        const response = await publish(
          client,
          { base, ...(token ? { token } : {}) },
          { topic, title: `Approval required: ${n.tool}`, tags: 'warning,scoped-mcp', message: n.message },
        );
        // The status only: the answer's body and the URL stay out of the audit line.
        if (response.status < 200 || response.status > 299) throw new NotifyError(`HTTP ${response.status}`);
      },
      close: () => client.close(),
    },
  };
};
