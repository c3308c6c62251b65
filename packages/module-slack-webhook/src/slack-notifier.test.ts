import type { HitlNotification, Notifier, NotifierSetup } from '@scoped-mcp/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from './__fixtures__/fake-slack.js';
import slack from './index.js';

const notification = {
  approval_id: 'agent-a.0123456789ab',
  tool: 'fs_write_file',
  message: '[scoped-mcp] Approval required\nTool: fs_write_file',
} as HitlNotification;
const fallback: Notifier = { type: 'log', notify: async () => undefined };
let fake: FakeSlack | undefined;
const setups: NotifierSetup[] = [];

afterEach(async () => {
  await Promise.all(setups.splice(0).map((s) => s.notifier.close?.()));
  await fake?.close();
  fake = undefined;
});

async function create(url: string | undefined, env: Record<string, string> = {}): Promise<NotifierSetup> {
  const setup = await slack.notifier!({
    settings: { type: 'slack_webhook', ...(url ? { url } : {}) },
    credential: (name) => env[name],
    timeoutMs: 500,
    fallback,
  });
  setups.push(setup);
  return setup;
}

describe('slack_webhook notifier', () => {
  it('posts the approval message to hitl.notify.url', async () => {
    fake = await startFakeSlack();
    const { notifier, warnings } = await create(fake.url);
    expect(warnings).toEqual([]);
    await notifier.notify(notification);
    expect(fake.posted.map((p) => p.text)).toEqual([notification.message]);
  });

  it('or to SLACK_WEBHOOK_URL from the environment', async () => {
    fake = await startFakeSlack();
    const { notifier } = await create(undefined, { SLACK_WEBHOOK_URL: fake.url });
    await notifier.notify(notification);
    expect(fake.posted).toHaveLength(1);
  });

  it('fails with the status and Slack’s error name only', async () => {
    fake = await startFakeSlack();
    fake.behaviour = { kind: 'error', status: 410, name: 'channel_is_archived' };
    const { notifier } = await create(fake.url);
    await expect(notifier.notify(notification)).rejects.toThrow(/^HTTP 410 \(channel_is_archived\)$/);
  });

  it('falls back to the audit log with a startup warning when no URL is set', async () => {
    const { notifier, warnings } = await create(undefined);
    expect(notifier).toBe(fallback);
    expect(warnings).toEqual([
      'hitl.notify: slack_webhook notifications are off (neither hitl.notify.url nor SLACK_WEBHOOK_URL is set); approvals are announced in the audit log',
    ]);
  });

  it('refuses a webhook URL over plain http to another host', async () => {
    await expect(create('http://hooks.example.org/services/x')).rejects.toThrow(
      'hitl.notify.url must be an https:// URL',
    );
  });
});
