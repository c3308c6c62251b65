import { createServer, type Socket } from 'node:net';
import type { HarnessResult, ModuleHarness } from '@scoped-mcp/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { smtpHarness } from './__fixtures__/harness.js';
import { type FakeSmtpOptions, startSmtpServer } from './__fixtures__/smtp-server.js';

// Every credential gets a value found nowhere else. The host is a loopback address of its own (the test
// certificate names it); the port is whatever the server got, matched as a whole number.
const HOST = '127.77.12.34';
const USER = 'smtp-user-canary-5b7e1c';
const PASSWORD = 'smtp-password-canary-9d24f0';
const login = { user: USER, password: PASSWORD };

const seen: string[] = [];
const ports = new Set<number>();
const cleanup: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of cleanup.reverse()) await close();
});

function record(result: HarnessResult): HarnessResult {
  seen.push(result.text, JSON.stringify(result.raw));
  return result;
}

async function scenario(
  server: FakeSmtpOptions | 'closed' | 'silent',
  config: Record<string, unknown> = {},
): Promise<ModuleHarness> {
  let port: number;
  if (server === 'closed' || server === 'silent') {
    const sockets = new Set<Socket>();
    const tcp = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => tcp.listen(0, HOST, resolve));
    port = (tcp.address() as { port: number }).port;
    const close = () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        tcp.close(() => resolve());
      });
    if (server === 'closed') await close();
    else cleanup.push(close);
  } else {
    const smtp = await startSmtpServer({ host: HOST, ...server });
    port = smtp.port;
    cleanup.push(() => smtp.close());
  }
  ports.add(port);
  const h = await smtpHarness({ host: HOST, port }, config, { SMTP_USER: USER, SMTP_PASSWORD: PASSWORD });
  cleanup.push(async () => {
    await h.close();
    seen.push(...[...h.audit, ...h.ops].map((line) => JSON.stringify(line)));
  });
  return h;
}

const mail = { to: 'ops@example.com', subject: 'canary run', body: 'hello' };

describe('credential canaries', () => {
  it('run every path: success, refusals and each kind of failure', async () => {
    const ok = await scenario({ login });
    expect(record(await ok.call('send', mail)).isError).toBe(false);
    record(await ok.call('send', { ...mail, to: 'evil@attacker.example' }));
    record(await ok.call('send', { ...mail, to: 'ops@example.com\r\nBcc: evil@attacker.example' }));
    record(await ok.call('send', { ...mail, subject: 'a\r\nb' }));
    record(await ok.call('send', { ...mail, body: 'x'.repeat(2_000_000) }));
    record(await ok.call('scoped_mcp_status', {}));

    const cases: [FakeSmtpOptions | 'closed' | 'silent', Record<string, unknown>][] = [
      [{ login: { user: USER, password: 'not the password' } }, {}],
      [{ login: { user: 'someone-else', password: PASSWORD } }, {}],
      [{ login, tls: 'none' }, {}],
      [{ login }, { tls_ca_file: undefined }],
      [{ login, certificate: 'wrong-host' }, {}],
      [{ login, refuseRecipients: { code: 550, message: 'no such user' } }, {}],
      [{ login, refuseRecipients: { code: 451, message: 'later' } }, {}],
      [{ login, tls: 'none' }, { tls: 'plain_local_relay' }],
      ['closed', {}],
      ['silent', { timeout_seconds: 0.2 }],
      ['silent', { timeout_seconds: 30, send_timeout_seconds: 0.2 }],
    ];
    for (const [server, config] of cases) {
      const h = await scenario(server, config);
      record(await h.call('send', mail));
    }
    const cancelled = await scenario('silent', { timeout_seconds: 30 });
    record(await cancelled.call('send', mail, { signal: AbortSignal.timeout(150) }));
  });

  it('appear in no result, error, audit line or ops line, and nothing needed redacting', async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
    expect(seen.length).toBeGreaterThan(40);
    const all = seen.join('\n');
    expect(all).not.toContain(HOST);
    expect(all).not.toContain(USER);
    expect(all).not.toContain(PASSWORD);
    for (const secret of [USER, PASSWORD, `\0${USER}\0${PASSWORD}`]) {
      expect(all).not.toContain(Buffer.from(secret).toString('base64').slice(0, 12));
    }
    for (const port of ports) expect(all).not.toMatch(new RegExp(`(?<![0-9])${port}(?![0-9])`));
    // Core redacts credential values as a last resort; this module must never have needed it.
    expect(all).not.toContain('<redacted-secret>');
    expect(all).not.toContain('secret_redacted');
  });
});
