import { readErrorMeta } from '@scoped-mcp/core';
import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type DiscordBehaviour, type FakeDiscord, startFakeDiscord } from './__fixtures__/fake-discord.js';
import discord, { truncateContent } from './index.js';

let fake: FakeDiscord;
const harnesses: ModuleHarness[] = [];

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
  await fake?.close();
});

async function agent(config: Record<string, unknown> = {}, url = fake.url): Promise<ModuleHarness> {
  const h = await createModuleHarness(discord, {
    config: { timeout_ms: 2000, ...config },
    credentials: { DISCORD_WEBHOOK_URL: url },
  });
  harnesses.push(h);
  return h;
}

describe('discord_webhook_send', () => {
  it('POSTs {"content"} with wait=true and no mentions allowed, and answers true', async () => {
    fake = await startFakeDiscord();
    const h = await agent();
    expect(h.toolNames).toEqual(['discord_webhook_send']);
    const r = await h.call('send', { content: 'deploy done @everyone <@&123> <@456>' });
    expect(r.isError).toBe(false);
    expect(r.text).toBe('true');
    expect(fake.refused).toEqual([]);
    expect(fake.posted).toEqual([
      {
        content: 'deploy done @everyone <@&123> <@456>',
        allowed_mentions: { parse: [] },
        query: '?wait=true',
      },
    ]);
  });

  it('keeps a query the operator put in the URL (a thread) and adds wait=true', async () => {
    fake = await startFakeDiscord();
    await (await agent({}, `${fake.url}?thread_id=777`)).call('send', { content: 'x' });
    expect(fake.posted[0]?.query).toBe('?thread_id=777&wait=true');
  });

  it('JSON-encodes the content: it cannot set allowed_mentions, username or embeds', async () => {
    fake = await startFakeDiscord();
    const content = '", "allowed_mentions": {"parse": ["everyone"]}, "username": "admin", "x": "';
    await (await agent()).call('send', { content });
    expect(JSON.parse(fake.requests[0]?.body as string)).toEqual({
      content,
      allowed_mentions: { parse: [] },
    });
  });

  it('cuts content over 2000 characters to the first 1997 and "..." (reference)', async () => {
    fake = await startFakeDiscord();
    const h = await agent();
    expect((await h.call('send', { content: 'a'.repeat(2500) })).isError).toBe(false);
    expect(fake.posted[0]?.content).toBe(`${'a'.repeat(1997)}...`);
    expect((await h.call('send', { content: 'b'.repeat(2000) })).isError).toBe(false);
    expect(fake.posted[1]?.content).toBe('b'.repeat(2000));
  });

  it('counts characters, not UTF-16 units: an emoji is never split', () => {
    expect(truncateContent('😀'.repeat(2001))).toBe(`${'😀'.repeat(1997)}...`);
    expect(truncateContent('😀'.repeat(2000))).toBe('😀'.repeat(2000));
  });
});

describe('Discord errors, without the URL', () => {
  it.each<[string, DiscordBehaviour, string, string]>([
    [
      'rate limiting past the deadline (retry_after in the body)',
      { kind: 'rate_limited', retryAfter: 42.5 },
      'Discord is rate limiting (HTTP 429: You are being rate limited.); retry in 43 s',
      'SMCP_UPSTREAM_UNAVAILABLE',
    ],
    ['a 502', { kind: 'fail' }, 'Discord failed (HTTP 502); retry later', 'SMCP_UPSTREAM_UNAVAILABLE'],
    [
      'a hung server',
      { kind: 'hang' },
      'Discord did not answer within 300 ms (timeout_ms)',
      'SMCP_LIMIT_EXCEEDED',
    ],
    [
      'a slow answer',
      { kind: 'slow', ms: 2000 },
      'Discord did not answer within 300 ms (timeout_ms)',
      'SMCP_LIMIT_EXCEEDED',
    ],
    [
      'a redirect',
      { kind: 'redirect' },
      'Discord answered with a redirect (HTTP 308), which is never followed: check the configured URL',
      'SMCP_UPSTREAM_ERROR',
    ],
  ])('%s', async (_label, behaviour, text, code) => {
    fake = await startFakeDiscord();
    fake.behaviour = behaviour;
    const r = await (await agent({ timeout_ms: 300 })).call('send', { content: 'hi' });
    expect(r.text).toBe(text);
    expect(readErrorMeta(r.raw)?.code).toBe(code);
    expect(fake.requests).toHaveLength(1);
  });

  it('an empty message: Discord’s 400, named', async () => {
    fake = await startFakeDiscord();
    const r = await (await agent()).call('send', { content: '' });
    expect(r.text).toBe('Discord refused the message (HTTP 400: Cannot send an empty message (code 50006))');
  });

  it('a wrong webhook token: 401; an unknown webhook: 404', async () => {
    fake = await startFakeDiscord();
    const wrongToken = await (await agent({}, fake.url.replace('webhooktoken123', 'nope'))).call('send', {
      content: 'x',
    });
    expect(wrongToken.text).toBe(
      'Discord refused the message (HTTP 401: Invalid Webhook Token (code 50027))',
    );
    const unknown = await (await agent({}, fake.url.replace('112233445566778899', '1'))).call('send', {
      content: 'x',
    });
    expect(unknown.text).toBe('Discord refused the message (HTTP 404: Unknown Webhook (code 10015))');
  });

  it.each([
    ['retry_after in the body', { kind: 'rate_limited', retryAfter: 0.3, times: 1, header: false }],
    ['Retry-After only', { kind: 'rate_limited', retryAfter: 1, times: 1 }],
  ] as const)('retries a 429 within the deadline (%s)', async (_label, behaviour) => {
    fake = await startFakeDiscord();
    fake.behaviour = behaviour;
    const r = await (await agent({ timeout_ms: 5000 })).call('send', { content: 'hi' });
    expect(r.isError).toBe(false);
    expect(fake.requests).toHaveLength(2);
    expect(fake.posted).toHaveLength(1);
  });

  it('refuses a webhook URL over plain http to another host, without quoting it', async () => {
    fake = await startFakeDiscord();
    const error = await agent({}, 'http://discord.example/api/webhooks/1/tok').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toContain('DISCORD_WEBHOOK_URL must be an https:// URL');
    expect(error?.message).not.toContain('discord.example');
  });
});

describe('the webhook URL never reaches the agent or the logs', () => {
  it('on success and on every failure', async () => {
    const canary = 'discordcanary5e6f7a';
    fake = await startFakeDiscord(canary);
    const h = await agent({ timeout_ms: 300 });
    const behaviours: DiscordBehaviour[] = [
      { kind: 'ok' },
      { kind: 'rate_limited', retryAfter: 30 },
      { kind: 'fail' },
      { kind: 'hang' },
      { kind: 'redirect' },
    ];
    const seen: string[] = [];
    for (const behaviour of behaviours) {
      fake.behaviour = behaviour;
      seen.push(JSON.stringify((await h.call('send', { content: 'hi' })).raw));
    }
    seen.push(JSON.stringify((await h.call('send', { content: '' })).raw));
    await fake.close();
    seen.push(JSON.stringify((await h.call('send', { content: 'hi' })).raw));
    seen.push(JSON.stringify(h.audit), JSON.stringify(h.ops));
    const everything = seen.join('\n');
    expect(h.audit.length).toBeGreaterThanOrEqual(7);
    expect(everything).not.toContain(canary);
    expect(everything).not.toContain(new URL(fake.url).host);
  });
});
