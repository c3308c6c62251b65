import type { Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { captureLogger } from '@scoped-mcp/testing';
import { type NotifyServer, startNotifyServer } from './__fixtures__/notify-server.js';
import { createNotifier, formatApprovalMessage, type HitlNotification, type NotifierDeps } from './notify.js';

const fields = {
  approval_id: 'agent-a.0123456789ab',
  tool: 'fs_write_file',
  agent_id: 'agent-a',
  agent_type: 'build',
  arguments_summary: { path: 'a.txt', password: '<redacted>' },
  timeout_seconds: 300,
};
const commands = {
  show_command: 'scoped-mcp hitl --manifest /srv/m.yml show agent-a.0123456789ab',
  approve_command: 'scoped-mcp hitl --manifest /srv/m.yml approve agent-a.0123456789ab',
  reject_command: 'scoped-mcp hitl --manifest /srv/m.yml reject agent-a.0123456789ab',
};
const notification: HitlNotification = {
  ...fields,
  ...commands,
  message: formatApprovalMessage({ ...fields, ...commands }),
};

let servers: NotifyServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function server(...args: Parameters<typeof startNotifyServer>): Promise<NotifyServer> {
  const s = await startNotifyServer(...args);
  servers.push(s);
  return s;
}

function deps(records: Record<string, unknown>[] = []): NotifierDeps {
  const audit: Logger = captureLogger('audit', records);
  return { audit, timeoutMs: 500 };
}

describe('log notifier', () => {
  it('writes hitl_approval_required with the message to the audit log', async () => {
    const records: Record<string, unknown>[] = [];
    const { notifier, warnings } = createNotifier({ type: 'log' }, deps(records));
    await notifier.notify(notification);
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      expect.objectContaining({
        event: 'hitl_approval_required',
        level: 'warn',
        ...withoutIdentity(fields),
        message: notification.message,
      }),
    ]);
  });
});

describe('a service sender that was not loaded', () => {
  it.each(['ntfy', 'matrix', 'slack_webhook', 'discord_webhook'] as const)(
    '%s: announces approvals in the audit log, and says so at startup',
    async (type) => {
      const records: Record<string, unknown>[] = [];
      const config =
        type === 'ntfy'
          ? ({ type, topic: 'ops' } as const)
          : type === 'matrix'
            ? ({ type, room: '!ops:example.org' } as const)
            : ({ type } as const);
      const { notifier, warnings } = createNotifier(config, deps(records));
      expect(warnings).toEqual([
        `hitl.notify: ${type} notifications are off (its sender was not loaded); approvals are announced in the audit log`,
      ]);
      expect(notifier.type).toBe('log');
      await notifier.notify(notification);
      expect(records[0]?.event).toBe('hitl_approval_required');
    },
  );
});

describe('webhook notifier', () => {
  it('POSTs the documented JSON object', async () => {
    const s = await server({ kind: 'webhook' });
    const { notifier } = createNotifier({ type: 'webhook', url: `${s.url}/hook` }, deps());
    await notifier.notify(notification);
    expect(s.refused).toEqual([]);
    expect(JSON.parse(s.received[0]?.body as string)).toEqual(notification);
  });

  it.each([
    ['a 500', 'fail', /^HTTP 500$/],
    ['a redirect', 'redirect', /redirect/],
    ['a server that never answers', 'hang', /timed out after 0.5 s/],
  ] as const)('reports %s without the URL or the response body', async (_label, behaviour, expected) => {
    const s = await server({ kind: 'webhook' });
    s.behaviour = behaviour;
    const { notifier } = createNotifier({ type: 'webhook', url: `${s.url}/hook?token=whsec_123` }, deps());
    const error = await notifier.notify(notification).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(expected);
    expect(error?.message).not.toMatch(/whsec|127\.0\.0\.1|secret-looking/);
    // A redirect is not followed.
    expect(s.received.map((r) => r.path)).toEqual(['/hook?token=whsec_123']);
  });

  it('reports a refused connection as a network error', async () => {
    const s = await server({ kind: 'webhook' });
    const url = `${s.url}/hook`;
    await s.close();
    servers = [];
    const { notifier } = createNotifier({ type: 'webhook', url }, deps());
    await expect(notifier.notify(notification)).rejects.toThrow(/network error/);
  });
});

/** The audit logger binds agent_id and agent_type itself; the log notifier does not repeat them. */
function withoutIdentity(all: Record<string, unknown>): Record<string, unknown> {
  const { agent_id: _id, agent_type: _type, ...rest } = all;
  return rest;
}

const base = {
  approval_id: 'agent-a.0123456789ab',
  tool: 'fs_write_file',
  agent_id: 'agent-a',
  agent_type: 'build',
  timeout_seconds: 300,
  ...commands,
};

describe('formatApprovalMessage', () => {
  it('is the reference text, one argument per line, marked as a preview, with the full commands', () => {
    expect(
      formatApprovalMessage({
        ...base,
        arguments_summary: { path: 'a.txt', mode: 420, password: '<redacted>' },
      }),
    ).toBe(`[scoped-mcp] Approval required
Agent: agent-a (build)
Tool: fs_write_file
Args (preview only: sanitised and shortened, not what you approve):
  path: "a.txt"
  mode: 420
  password: "<redacted>"
Exact arguments: scoped-mcp hitl --manifest /srv/m.yml show agent-a.0123456789ab
Approval ID: agent-a.0123456789ab
Timeout: 300s

Approve: scoped-mcp hitl --manifest /srv/m.yml approve agent-a.0123456789ab
Reject:  scoped-mcp hitl --manifest /srv/m.yml reject agent-a.0123456789ab`);
  });

  it('says (none) when there are no arguments', () => {
    expect(formatApprovalMessage({ ...base, arguments_summary: {} })).toContain(
      'Args (preview only: sanitised and shortened, not what you approve):\n  (none)\nExact arguments:',
    );
  });

  it('bounds the preview: 20 arguments of at most 200 characters, the rest counted', () => {
    const summary = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`a${i}`, 'v'.repeat(500)]));
    const lines = formatApprovalMessage({ ...base, arguments_summary: summary }).split('\n');
    const preview = lines.slice(
      lines.indexOf('Args (preview only: sanitised and shortened, not what you approve):') + 1,
    );
    const args = preview.slice(
      0,
      preview.findIndex((l) => l.startsWith('Exact arguments:')),
    );
    expect(args).toHaveLength(21);
    expect(args[0]).toBe(`  a0: "${'v'.repeat(200 - 6)}…`);
    expect(Array.from(args[0] as string)).toHaveLength(202);
    expect(args[20]).toBe('  … 5 more argument(s)');
  });

  it('lets no argument forge a line or reorder text', () => {
    const message = formatApprovalMessage({
      ...base,
      arguments_summary: {
        path: 'x\nApprove: scoped-mcp hitl approve other-agent.000000000000',
        'k\r\ney': 'v',
        bidi: 'abc\u202edcba\u2028z',
      },
    });
    const lines = message.split('\n');
    expect(lines).toHaveLength(13);
    expect(lines.filter((l) => l.startsWith('Approve:'))).toEqual([
      'Approve: scoped-mcp hitl --manifest /srv/m.yml approve agent-a.0123456789ab',
    ]);
    expect(message).not.toMatch(/[\u202e\u2028\r]/);
    expect(message).toContain('bidi: "abc\\u202edcba\\u2028z"');
  });
});
