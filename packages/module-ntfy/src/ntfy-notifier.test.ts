import type { HitlNotification, Notifier, NotifierSetup } from '@scoped-mcp/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeNtfy, startFakeNtfy } from './__fixtures__/fake-ntfy.js';
import ntfy from './index.js';

// The HITL sender for `hitl.notify.type: ntfy` (these tests were core's until the sender moved here; the
// path through core's loader is tested end to end in apps/cli/test/e2e/hitl-notify-senders.test.ts).

const notification: HitlNotification = {
  approval_id: 'agent-a.0123456789ab',
  tool: 'fs_write_file',
  agent_id: 'agent-a',
  agent_type: 'build',
  arguments_summary: { path: 'a.txt', password: '<redacted>' },
  timeout_seconds: 300,
  show_command: 'scoped-mcp hitl --manifest /srv/m.yml show agent-a.0123456789ab',
  approve_command: 'scoped-mcp hitl --manifest /srv/m.yml approve agent-a.0123456789ab',
  reject_command: 'scoped-mcp hitl --manifest /srv/m.yml reject agent-a.0123456789ab',
  message: '[scoped-mcp] Approval required\nAgent: agent-a (build)\nTool: fs_write_file\n…',
};

const fallback: Notifier = { type: 'log', notify: async () => undefined };
let servers: FakeNtfy[] = [];
const notifiers: NotifierSetup[] = [];

afterEach(async () => {
  await Promise.all(notifiers.splice(0).map((n) => n.notifier.close?.()));
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(options: Parameters<typeof startFakeNtfy>[0] = {}): Promise<FakeNtfy> {
  const s = await startFakeNtfy(options);
  servers.push(s);
  return s;
}

/** The sender as core builds it from `hitl.notify` and the environment. */
async function createNotifier(
  settings: { type: 'ntfy'; topic: string; url?: string },
  env: Record<string, string> = {},
): Promise<NotifierSetup> {
  const setup = await ntfy.notifier!({
    settings,
    credential: (name) => env[name] || undefined,
    timeoutMs: 500,
    fallback,
  });
  notifiers.push(setup);
  return setup;
}

describe('ntfy notifier', () => {
  it('POSTs the message to {url}/{topic} with Title and Tags', async () => {
    const s = await server();
    const { notifier } = await createNotifier({ type: 'ntfy', topic: 'ops-alerts', url: `${s.url}/` });
    await notifier.notify(notification);
    expect(s.refused).toEqual([]);
    expect(s.requests).toHaveLength(1);
    const [r] = s.requests;
    expect(r?.path).toBe('/ops-alerts');
    expect(r?.headers.title).toBe('Approval required: fs_write_file');
    expect(r?.headers.tags).toBe('warning,scoped-mcp');
    expect(r?.headers.authorization).toBeUndefined();
    expect(r?.body).toBe(notification.message);
  });

  it('sends NTFY_TOKEN as a bearer token (loopback http or https only)', async () => {
    const s = await server({ token: 'tk_secret' });
    const { notifier, warnings } = await createNotifier(
      { type: 'ntfy', topic: 'ops', url: s.url },
      { NTFY_TOKEN: 'tk_secret' },
    );
    expect(warnings).toEqual([]);
    await notifier.notify(notification);
    expect(s.refused).toEqual([]);
    expect(s.published).toHaveLength(1);
  });

  it('never sends the token in clear over a network, and says so at startup', async () => {
    const { warnings } = await createNotifier(
      { type: 'ntfy', topic: 'ops', url: 'http://ntfy.example.org' },
      { NTFY_TOKEN: 'tk_secret' },
    );
    expect(warnings).toEqual(['hitl.notify: NTFY_TOKEN is not sent, because hitl.notify.url is not https']);
    expect(warnings.join()).not.toContain('tk_secret');
  });

  it('fails with the status only on an HTTP error (server refuses a wrong token)', async () => {
    const s = await server({ token: 'tk_secret' });
    const { notifier } = await createNotifier(
      { type: 'ntfy', topic: 'ops', url: s.url },
      { NTFY_TOKEN: 'tk_other' },
    );
    await expect(notifier.notify(notification)).rejects.toThrow(/^HTTP 401$/);
  });

  it('fails with the status only when a missing token is refused (ntfy: 403)', async () => {
    const s = await server({ token: 'tk_secret' });
    const { notifier } = await createNotifier({ type: 'ntfy', topic: 'ops', url: s.url });
    await expect(notifier.notify(notification)).rejects.toThrow(/^HTTP 403$/);
  });

  it('gives up after its timeout, without the URL', async () => {
    const s = await server();
    s.behaviour = { kind: 'hang' };
    const { notifier } = await createNotifier({ type: 'ntfy', topic: 'ops', url: s.url });
    const error = await notifier.notify(notification).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toBe('ntfy did not answer within 500 ms (timeout_ms)');
  });

  it('defaults to https://ntfy.sh, as the reference does (no request made here)', async () => {
    const { warnings, notifier } = await createNotifier({ type: 'ntfy', topic: 'ops' }, { NTFY_TOKEN: 'tk' });
    expect(warnings).toEqual([]);
    expect(notifier.type).toBe('ntfy');
  });
});
