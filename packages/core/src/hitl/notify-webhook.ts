import { sendNotification } from './notify-http.js';
import type { NotifierDeps, NotifierSetup } from './notifier.js';

/** POST JSON `{approval_id, tool, agent_id, agent_type, arguments_summary, timeout_seconds, message}`. */
export function webhookNotifier(config: { url: string }, deps: NotifierDeps): NotifierSetup {
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
              message: n.message,
            }),
          },
          deps.timeoutMs,
        ),
    },
  };
}
