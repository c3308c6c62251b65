import {
  checkWebhookUrl,
  jsonObject,
  type ServiceClient,
  type ServiceResponse,
} from '@scoped-mcp/service-http';

// The one Discord request of this package, for the tool and the HITL sender: POST the webhook URL with
// `?wait=true` (Discord then confirms the message was saved, or says why not) and the JSON
// `{"content", "allowed_mentions": {"parse": []}}` — no @everyone, @here, role or user ping from an agent.
// The URL is the secret: checked once, never quoted, only ever sent over https (or http to this machine).

/** Discord's limit for `content`. */
export const DISCORD_MAX_CONTENT = 2000;

/** Longer content is cut to its first 1997 characters and "..." (the reference's rule). */
export function truncateContent(content: string): string {
  const chars = Array.from(content);
  return chars.length > DISCORD_MAX_CONTENT
    ? `${chars.slice(0, DISCORD_MAX_CONTENT - 3).join('')}...`
    : content;
}

/** DISCORD_WEBHOOK_URL (or `hitl.notify.url`) checked, with `wait=true` added. */
export function webhookUrl(value: string, name: string): URL {
  const url = checkWebhookUrl(value, name);
  url.searchParams.set('wait', 'true');
  return url;
}

export function postToDiscord(
  client: ServiceClient,
  url: URL,
  content: string,
  signal?: AbortSignal,
): Promise<ServiceResponse> {
  return client.send({
    method: 'POST',
    url,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ content: truncateContent(content), allowed_mentions: { parse: [] } }),
    retryAfter: discordRetryAfter,
    ...(signal ? { signal } : {}),
  });
}

/** A 429's wait: the JSON `retry_after` (seconds, fractional) Discord documents, else `Retry-After`. */
export function discordRetryAfter(response: ServiceResponse): number | undefined {
  const seconds = jsonObject(response.text)?.retry_after;
  if (typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0)
    return Math.ceil(seconds * 1000);
  const header = response.headers['retry-after'];
  const value = Number(Array.isArray(header) ? header[0] : header);
  return header !== undefined && Number.isFinite(value) && value >= 0 ? Math.ceil(value * 1000) : undefined;
}

/** Discord's error (`{"code": 10015, "message": "Unknown Webhook"}`) when it is short, plain text. */
export function discordError(response: ServiceResponse): string | undefined {
  const body = jsonObject(response.text);
  const message = body?.message;
  if (typeof message !== 'string' || !/^[A-Za-z0-9 ,.:'()_-]{1,100}$/.test(message)) return undefined;
  return typeof body?.code === 'number' ? `${message} (code ${body.code})` : message;
}
