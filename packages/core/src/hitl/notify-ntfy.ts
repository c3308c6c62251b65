import { joinUrl, safeForToken, sendNotification } from './notify-http.js';
import type { NotifierDeps, NotifierSetup } from './notifier.js';

export const DEFAULT_NTFY_URL = 'https://ntfy.sh';

/** POST `{url}/{topic}`, the message as the body; NTFY_TOKEN (if set) as a bearer token, never in clear over a network. */
export function ntfyNotifier(
  config: { topic: string; url?: string | null },
  deps: NotifierDeps,
): NotifierSetup {
  const url = joinUrl(config.url ?? DEFAULT_NTFY_URL, encodeURIComponent(config.topic));
  const warnings: string[] = [];
  let token = deps.env.NTFY_TOKEN || undefined;
  if (token && !safeForToken(url)) {
    warnings.push('hitl.notify: NTFY_TOKEN is not sent, because hitl.notify.url is not https');
    token = undefined;
  }
  return {
    warnings,
    notifier: {
      type: 'ntfy',
      notify: (n) =>
        sendNotification(
          {
            method: 'POST',
            url,
            headers: {
              // Header values must be Latin-1; tool names are [a-z0-9_], the rest is fixed text.
              Title: `Approval required: ${n.tool}`.replace(/[^\x20-\x7e]/g, '?'),
              Tags: 'warning,scoped-mcp',
              'Content-Type': 'text/plain; charset=utf-8',
              ...(token ? { Authorization: `Bearer ${token}` } : {}),
            },
            body: n.message,
          },
          deps.timeoutMs,
        ),
    },
  };
}
