import type { HitlNotification, Notifier, NotifierSetup } from '@scoped-mcp/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeDiscord, startFakeDiscord } from './__fixtures__/fake-discord.js';
import discord from './index.js';

const notification = {
  tool: 'fs_write_file',
  message: `[scoped-mcp] Approval required\n${'x'.repeat(3000)}`,
} as HitlNotification;
const fallback: Notifier = { type: 'log', notify: async () => undefined };
let fake: FakeDiscord | undefined;
const setups: NotifierSetup[] = [];

afterEach(async () => {
  await Promise.all(setups.splice(0).map((s) => s.notifier.close?.()));
  await fake?.close();
  fake = undefined;
});

async function create(url: string | undefined, env: Record<string, string> = {}): Promise<NotifierSetup> {
  const setup = await discord.notifier!({
    settings: { type: 'discord_webhook', ...(url ? { url } : {}) },
    credential: (name) => env[name],
    timeoutMs: 500,
    fallback,
  });
  setups.push(setup);
  return setup;
}

describe('discord_webhook notifier', () => {
  it('posts the approval message, cut to 2000 characters, with no mentions', async () => {
    fake = await startFakeDiscord();
    const { notifier } = await create(undefined, { DISCORD_WEBHOOK_URL: fake.url });
    await notifier.notify(notification);
    expect(fake.posted[0]?.content).toHaveLength(2000);
    expect(fake.posted[0]?.allowed_mentions).toEqual({ parse: [] });
  });

  it('fails with the status only', async () => {
    fake = await startFakeDiscord();
    const { notifier } = await create(fake.url.replace('webhooktoken123', 'nope'));
    await expect(notifier.notify(notification)).rejects.toThrow(/^HTTP 401$/);
  });

  it('falls back to the audit log with a startup warning when no URL is set', async () => {
    const { notifier, warnings } = await create(undefined);
    expect(notifier).toBe(fallback);
    expect(warnings).toEqual([
      'hitl.notify: discord_webhook notifications are off (neither hitl.notify.url nor DISCORD_WEBHOOK_URL is set); approvals are announced in the audit log',
    ]);
  });
});
