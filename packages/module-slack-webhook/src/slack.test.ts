import { readErrorMeta } from '@scoped-mcp/core';
import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlack, type SlackBehaviour, startFakeSlack } from './__fixtures__/fake-slack.js';
import slack, { SLACK_MAX_TEXT_CHARS } from './index.js';

let fake: FakeSlack;
const harnesses: ModuleHarness[] = [];

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
  await fake?.close();
});

async function agent(config: Record<string, unknown> = {}, url = fake.url): Promise<ModuleHarness> {
  const h = await createModuleHarness(slack, {
    config: { timeout_ms: 2000, ...config },
    credentials: { SLACK_WEBHOOK_URL: url },
  });
  harnesses.push(h);
  return h;
}

describe('slack_webhook_send', () => {
  it('POSTs {"text"} as JSON to the webhook and answers true', async () => {
    fake = await startFakeSlack();
    const h = await agent();
    expect(h.toolNames).toEqual(['slack_webhook_send']);
    const r = await h.call('send', { text: 'Build *green* ✅\n<https://ci.example|details>' });
    expect(r.isError).toBe(false);
    expect(r.text).toBe('true');
    expect(fake.refused).toEqual([]);
    expect(fake.posted.map((p) => p.text)).toEqual(['Build *green* ✅\n<https://ci.example|details>']);
    expect(JSON.parse(fake.requests[0]?.body as string)).toEqual({ text: expect.any(String) });
  });

  it('JSON-encodes the text: quotes and braces cannot add fields to the payload', async () => {
    fake = await startFakeSlack();
    const text = '", "channel": "#general", "username": "admin", "x": "';
    const r = await (await agent()).call('send', { text });
    expect(r.isError).toBe(false);
    expect(JSON.parse(fake.requests[0]?.body as string)).toEqual({ text });
  });

  it(`refuses more than ${SLACK_MAX_TEXT_CHARS} characters (Slack would cut it), and sends nothing`, async () => {
    fake = await startFakeSlack();
    const h = await agent();
    const r = await h.call('send', { text: '😀'.repeat(SLACK_MAX_TEXT_CHARS + 1) });
    expect(r.text).toBe(
      `text is ${SLACK_MAX_TEXT_CHARS + 1} characters; Slack takes at most 40000: send it in parts`,
    );
    expect(readErrorMeta(r.raw)).toMatchObject({ code: 'SMCP_LIMIT_EXCEEDED' });
    expect(fake.requests).toEqual([]);
    // Exactly at the limit is sent (characters, not UTF-16 units or bytes).
    expect((await h.call('send', { text: '😀'.repeat(SLACK_MAX_TEXT_CHARS) })).isError).toBe(false);
  });

  it('refuses an empty text as Slack does (no_text)', async () => {
    fake = await startFakeSlack();
    const r = await (await agent()).call('send', { text: '' });
    expect(r.text).toBe('Slack refused the message (HTTP 400: no_text: the message had no text)');
  });
});

describe('Slack errors, without the URL', () => {
  it.each<[string, SlackBehaviour, string, string]>([
    [
      'an archived channel',
      { kind: 'error', status: 410, name: 'channel_is_archived' },
      'Slack refused the message (HTTP 410: channel_is_archived: the channel is archived)',
      'SMCP_UPSTREAM_ERROR',
    ],
    [
      'a removed webhook',
      { kind: 'error', status: 404, name: 'no_service' },
      'Slack refused the message (HTTP 404: no_service: the webhook is disabled, removed or invalid)',
      'SMCP_UPSTREAM_ERROR',
    ],
    [
      'a restricted channel',
      { kind: 'error', status: 403, name: 'action_prohibited' },
      'Slack refused the message (HTTP 403: action_prohibited: an admin has restricted posting to this channel)',
      'SMCP_UPSTREAM_ERROR',
    ],
    [
      'a bad payload',
      { kind: 'error', status: 400, name: 'invalid_payload' },
      'Slack refused the message (HTTP 400: invalid_payload: the payload was not valid JSON Slack accepts)',
      'SMCP_UPSTREAM_ERROR',
    ],
    [
      'an undocumented answer',
      { kind: 'error', status: 400, name: '<html>secret-looking detail</html>' },
      'Slack refused the message (HTTP 400)',
      'SMCP_UPSTREAM_ERROR',
    ],
    [
      'rate limiting past the deadline',
      { kind: 'rate_limited', retryAfter: '30' },
      'Slack is rate limiting (HTTP 429); retry in 30 s',
      'SMCP_UPSTREAM_UNAVAILABLE',
    ],
    ['a 500', { kind: 'fail' }, 'Slack failed (HTTP 500); retry later', 'SMCP_UPSTREAM_UNAVAILABLE'],
    [
      'a hung server',
      { kind: 'hang' },
      'Slack did not answer within 300 ms (timeout_ms)',
      'SMCP_LIMIT_EXCEEDED',
    ],
    [
      'a slow answer',
      { kind: 'slow', ms: 2000 },
      'Slack did not answer within 300 ms (timeout_ms)',
      'SMCP_LIMIT_EXCEEDED',
    ],
    [
      'a redirect',
      { kind: 'redirect' },
      'Slack answered with a redirect (HTTP 302), which is never followed: check the configured URL',
      'SMCP_UPSTREAM_ERROR',
    ],
  ])('%s', async (_label, behaviour, text, code) => {
    fake = await startFakeSlack();
    fake.behaviour = behaviour;
    const r = await (await agent({ timeout_ms: 300 })).call('send', { text: 'hi' });
    expect(r.isError).toBe(true);
    expect(r.text).toBe(text);
    expect(readErrorMeta(r.raw)?.code).toBe(code);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a 429 after its Retry-After when it fits the deadline', async () => {
    fake = await startFakeSlack();
    fake.behaviour = { kind: 'rate_limited', retryAfter: '1', times: 1 };
    const r = await (await agent({ timeout_ms: 5000 })).call('send', { text: 'hi' });
    expect(r.isError).toBe(false);
    expect(fake.requests).toHaveLength(2);
    expect(fake.posted).toHaveLength(1);
  });

  it('a wrong webhook URL: no_service (the URL is the credential)', async () => {
    fake = await startFakeSlack();
    const r = await (await agent({}, fake.url.replace('xoxwebhooksecret', 'wrong'))).call('send', {
      text: 'hi',
    });
    expect(r.text).toBe(
      'Slack refused the message (HTTP 404: no_service: the webhook is disabled, removed or invalid)',
    );
  });

  it.each([
    ['not a url', 'SLACK_WEBHOOK_URL is not a URL'],
    ['http://hooks.slack.example/services/T/B/x', 'SLACK_WEBHOOK_URL must be an https:// URL'],
  ])('refuses SLACK_WEBHOOK_URL %j at start, without quoting it', async (url, message) => {
    fake = await startFakeSlack();
    const error = await agent({}, url).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain(message);
    expect(error?.message).not.toContain('hooks.slack.example');
  });
});

describe('the webhook URL never reaches the agent or the logs', () => {
  it('on success and on every failure', async () => {
    const canary = 'slackcanary7a1b9c';
    fake = await startFakeSlack(canary);
    const h = await agent({ timeout_ms: 300 });
    const behaviours: SlackBehaviour[] = [
      { kind: 'ok' },
      { kind: 'error', status: 404, name: 'no_service' },
      { kind: 'rate_limited', retryAfter: '30' },
      { kind: 'fail' },
      { kind: 'hang' },
      { kind: 'redirect' },
    ];
    const seen: string[] = [];
    for (const behaviour of behaviours) {
      fake.behaviour = behaviour;
      seen.push(JSON.stringify((await h.call('send', { text: 'hi' })).raw));
    }
    await fake.close();
    seen.push(JSON.stringify((await h.call('send', { text: 'hi' })).raw));
    seen.push(JSON.stringify(h.audit), JSON.stringify(h.ops));
    const everything = seen.join('\n');
    expect(h.audit.length).toBeGreaterThanOrEqual(7);
    expect(everything).not.toContain(canary);
    expect(everything).not.toContain(new URL(fake.url).host);
  });
});
