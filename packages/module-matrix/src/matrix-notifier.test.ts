import type { HitlNotification, Notifier, NotifierSetup } from '@scoped-mcp/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeHomeserver, startFakeHomeserver } from './__fixtures__/fake-homeserver.js';
import matrix from './index.js';

// The HITL sender for `hitl.notify.type: matrix` (these tests were core's until the sender moved here; the
// path through core's loader is tested end to end in apps/cli/test/e2e/hitl-notify-senders.test.ts).

const notification = {
  approval_id: 'agent-a.0123456789ab',
  tool: 'fs_write_file',
  message: '[scoped-mcp] Approval required\nTool: fs_write_file',
} as HitlNotification;

const announced: string[] = [];
const fallback: Notifier = {
  type: 'log',
  notify: async () => {
    announced.push('hitl_approval_required');
  },
};
let servers: FakeHomeserver[] = [];
const setups: NotifierSetup[] = [];

afterEach(async () => {
  await Promise.all(setups.splice(0).map((s) => s.notifier.close?.()));
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  announced.length = 0;
});

async function server(): Promise<FakeHomeserver> {
  const s = await startFakeHomeserver({
    token: 'syt_token',
    rooms: [
      { id: '!ops:example.org', aliases: ['#ops:example.org'] },
      { id: '!e2e:example.org', encrypted: true },
    ],
  });
  servers.push(s);
  return s;
}

async function createNotifier(room: string, env: Record<string, string>): Promise<NotifierSetup> {
  const setup = await matrix.notifier!({
    settings: { type: 'matrix', room },
    credential: (name) => env[name] || undefined,
    timeoutMs: 1000,
    fallback,
  });
  setups.push(setup);
  return setup;
}

const env = (hs: string) => ({ MATRIX_HOMESERVER: hs, MATRIX_ACCESS_TOKEN: 'syt_token' });
const puts = (s: FakeHomeserver) => s.requests.filter((r) => r.method === 'PUT');

describe('matrix notifier', () => {
  it('PUTs an m.text event to the URL-encoded room with a fresh transaction id each time', async () => {
    const s = await server();
    const { notifier, warnings } = await createNotifier('!ops:example.org', env(s.url));
    expect(warnings).toEqual([]);
    await notifier.notify(notification);
    await notifier.notify(notification);
    expect(s.refused.filter((r) => r.status !== 404)).toEqual([]);
    const paths = puts(s).map((r) => r.path);
    expect(paths[0]).toMatch(
      /^\/_matrix\/client\/v3\/rooms\/!ops%3Aexample\.org\/send\/m\.room\.message\/smcp-/,
    );
    expect(paths[0]).not.toBe(paths[1]);
    expect(s.sent[0]?.content).toEqual({ msgtype: 'm.text', body: notification.message });
    expect(puts(s).every((r) => r.auth === 'Bearer syt_token')).toBe(true);
  });

  it('resolves a room alias (encoded) at the first notification, and sends to its room id', async () => {
    const s = await server();
    const { notifier } = await createNotifier('#ops:example.org', env(`${s.url}/`));
    await notifier.notify(notification);
    await notifier.notify(notification);
    const lookups = s.requests.filter((r) => r.path.includes('/directory/room/'));
    expect(lookups.map((r) => r.path)).toEqual(['/_matrix/client/v3/directory/room/%23ops%3Aexample.org']);
    expect(puts(s)[0]?.path).toContain('/rooms/!ops%3Aexample.org/send/');
    expect(s.sent).toHaveLength(2);
  });

  it('sends nothing to an encrypted room', async () => {
    const s = await server();
    const { notifier } = await createNotifier('!e2e:example.org', env(s.url));
    await expect(notifier.notify(notification)).rejects.toThrow(/end-to-end encrypted/);
    expect(s.sent).toEqual([]);
  });

  it.each([
    [{}, 'MATRIX_HOMESERVER and MATRIX_ACCESS_TOKEN not set'],
    [{ MATRIX_HOMESERVER: 'https://m.example.org' }, 'MATRIX_ACCESS_TOKEN not set'],
    [
      { MATRIX_HOMESERVER: 'http://m.example.org', MATRIX_ACCESS_TOKEN: 'syt_x' },
      'MATRIX_HOMESERVER uses plain http to a host that is not loopback, which would send the access token unencrypted; use https',
    ],
    [{ MATRIX_HOMESERVER: 'not a url', MATRIX_ACCESS_TOKEN: 'syt_x' }, 'MATRIX_HOMESERVER is not a URL'],
  ])('falls back to the audit log with a startup warning when %j', async (environment, reason) => {
    const { notifier, warnings } = await createNotifier('!ops:example.org', environment);
    expect(warnings).toEqual([
      `hitl.notify: matrix notifications are off (${reason}); approvals are announced in the audit log`,
    ]);
    expect(warnings.join()).not.toContain('syt_x');
    expect(notifier.type).toBe('log');
    await notifier.notify(notification);
    expect(announced[0]).toBe('hitl_approval_required');
  });
});
