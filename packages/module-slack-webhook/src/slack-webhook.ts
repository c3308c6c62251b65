import type { ServiceClient, ServiceResponse } from '@scoped-mcp/service-http';

// The one Slack request of this package, for the tool and the HITL sender: POST the incoming webhook's
// URL with `{"text": …}` as JSON. The URL is the secret (whoever holds it can post to the channel), so it
// is checked once, never quoted, and only ever sent over https (or http to this machine, for tests).

/** Slack truncates `text` beyond this many characters (chat.postMessage and webhooks document 40,000). */
export const SLACK_MAX_TEXT_CHARS = 40_000;

/**
 * Slack's documented webhook errors (api.slack.com/messaging/webhooks#handling_errors): the answer's body
 * is one of these names, which the error quotes; any other body is not quoted.
 */
const SLACK_ERRORS: Readonly<Record<string, string>> = {
  invalid_payload: 'the payload was not valid JSON Slack accepts',
  no_text: 'the message had no text',
  too_many_attachments: 'too many attachments',
  user_not_found: 'the channel or user no longer exists',
  channel_not_found: 'the channel no longer exists',
  channel_is_archived: 'the channel is archived',
  action_prohibited: 'an admin has restricted posting to this channel',
  posting_to_general_channel_denied: 'posting to #general is restricted',
  invalid_token: 'the webhook is no longer valid',
  no_service: 'the webhook is disabled, removed or invalid',
  no_service_id: 'the webhook URL is incomplete',
  no_team: 'the workspace no longer exists',
  team_disabled: 'the workspace is disabled',
};

export function postToSlack(
  client: ServiceClient,
  url: URL,
  text: string,
  signal?: AbortSignal,
): Promise<ServiceResponse> {
  return client.send({
    method: 'POST',
    url,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ text }),
    ...(signal ? { signal } : {}),
  });
}

/** Slack's documented error name and what it means, when the answer is one. */
export function slackError(response: ServiceResponse): string | undefined {
  const name = response.text.trim();
  const meaning = SLACK_ERRORS[name];
  return meaning === undefined ? undefined : `${name}: ${meaning}`;
}
