import { createServer, type Server } from 'node:net';
import { readErrorMeta } from '@scoped-mcp/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ALLOWED, FROM, headersOf, PASSWORD, smtpHarness, USER } from './__fixtures__/harness.js';
import { decodeBody, decodeHeader } from './__fixtures__/mime-decode.js';
import { type FakeSmtpOptions, type FakeSmtpServer, startSmtpServer } from './__fixtures__/smtp-server.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function server(options: FakeSmtpOptions = {}): Promise<FakeSmtpServer> {
  const started = await startSmtpServer({ login: { user: USER, password: PASSWORD }, ...options });
  open.push(started);
  return started;
}

async function harness(...args: Parameters<typeof smtpHarness>) {
  const created = await smtpHarness(...args);
  open.push(created);
  return created;
}

/** A TCP server on loopback that accepts connections and never says a word. */
async function silentServer(): Promise<{ host: string; port: number }> {
  const sockets = new Set<import('node:net').Socket>();
  const silent: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  open.push({
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        silent.close(() => resolve());
      }),
  });
  const address = silent.address() as import('node:net').AddressInfo;
  return { host: '127.0.0.1', port: address.port };
}

const mail = { to: 'ops@example.com', subject: 'Disk almost full', body: 'db-1 is at 91%.\nPlease look.' };

describe('smtp_send delivers', () => {
  it('over STARTTLS, logged in, with the stated envelope and the headers a mail needs', async () => {
    const smtp = await server();
    const h = await harness(smtp);
    const result = await h.call('send', mail);
    expect(result.isError).toBe(false);
    expect(result.text).toBe('true');
    expect(result.raw.structuredContent).toEqual({ result: true });

    expect(smtp.messages).toHaveLength(1);
    const [message] = smtp.messages;
    expect(message?.mailFrom).toBe(FROM);
    expect(message?.rcptTo).toEqual(['ops@example.com']);
    expect(message?.secure).toBe(true);
    expect(message?.user).toBe(USER);
    expect(smtp.logins).toEqual([expect.objectContaining({ user: USER, secure: true, accepted: true })]);

    const headers = headersOf(message?.raw ?? '');
    expect(headers.get('from')).toEqual([FROM]);
    expect(headers.get('to')).toEqual(['ops@example.com']);
    expect(headers.get('subject')).toEqual(['Disk almost full']);
    expect(headers.get('date')?.[0]).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(headers.get('message-id')?.[0]).toMatch(/^<[^<>@\s]+@sender\.example>$/);
    for (const absent of ['cc', 'bcc', 'reply-to', 'sender']) expect(headers.has(absent)).toBe(false);
    expect(headers.get('content-type')?.[0]).toMatch(/^text\/plain/);
    // nodemailer ends the text with a line break.
    expect(decodeBody(message?.raw ?? '')).toBe('db-1 is at 91%.\r\nPlease look.\r\n');
    expect(h.audit.at(-1)).toMatchObject({ event: 'tool_call', status: 'ok', tool: 'smtp_send' });
  });

  it('to the allowlisted mailbox when the agent writes the domain in another case', async () => {
    const smtp = await server();
    const h = await harness(smtp);
    expect((await h.call('send', { ...mail, to: 'ops@EXAMPLE.com' })).isError).toBe(false);
    expect((await h.call('send', { ...mail, to: 'Oncall.Team@alerts.example.ORG' })).isError).toBe(false);
    // The local part as allowlisted, the domain in lower case.
    expect(smtp.rcptTo).toEqual(['ops@example.com', 'Oncall.Team@alerts.example.org']);
    expect(smtp.messages.map((m) => headersOf(m.raw).get('to'))).toEqual([
      ['ops@example.com'],
      ['Oncall.Team@alerts.example.org'],
    ]);
  });

  it('a Unicode subject and body, encoded as MIME says', async () => {
    const smtp = await server();
    const h = await harness(smtp);
    const subject = 'Größe überschritten — 東京 ✓';
    const body = 'Ünïcödé body\nline two ✓\n';
    expect((await h.call('send', { ...mail, subject, body })).isError).toBe(false);
    const raw = smtp.messages[0]?.raw ?? '';
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range starts at NUL
    expect(raw).toMatch(/^[\x00-\x7f]*$/); // 7-bit on the wire
    expect(decodeHeader(headersOf(raw).get('subject')?.[0] ?? '')).toBe(subject);
    expect(decodeBody(raw)).toBe('Ünïcödé body\r\nline two ✓\r\n');
  });

  it('a body that looks like SMTP commands or headers as body text only', async () => {
    const smtp = await server();
    const h = await harness(smtp);
    const smuggled = [
      'Bcc: evil@attacker.example',
      '',
      'hello',
      '.',
      'MAIL FROM:<evil@attacker.example>',
      'RCPT TO:<evil@attacker.example>',
      'DATA',
      'Subject: smuggled',
      '',
      'second message',
      '.',
    ];
    for (const newline of ['\r\n', '\n', '\r']) {
      expect((await h.call('send', { ...mail, body: smuggled.join(newline) })).isError).toBe(false);
    }
    expect(smtp.messages).toHaveLength(3);
    expect(smtp.rcptTo).toEqual(['ops@example.com', 'ops@example.com', 'ops@example.com']);
    expect(smtp.mailFrom).toEqual([FROM, FROM, FROM]);
    for (const message of smtp.messages) {
      expect(headersOf(message.raw).has('bcc')).toBe(false);
      expect(headersOf(message.raw).get('subject')).toEqual(['Disk almost full']);
      expect(decodeBody(message.raw)).toContain('RCPT TO:<evil@attacker.example>');
    }
  });

  it('over implicit TLS (tls: implicit)', async () => {
    const smtp = await server({ tls: 'implicit' });
    const h = await harness(smtp, { tls: 'implicit' });
    expect((await h.call('send', mail)).isError).toBe(false);
    expect(smtp.messages[0]?.secure).toBe(true);
    expect(smtp.logins[0]?.secure).toBe(true);
  });

  it('a body of exactly max_body_bytes, and refuses one byte more before connecting', async () => {
    const smtp = await server();
    const h = await harness(smtp, { max_body_bytes: 12 });
    expect((await h.call('send', { ...mail, body: 'ééééé12' })).isError).toBe(false);
    expect(smtp.connections).toBe(1);
    const refused = await h.call('send', { ...mail, body: 'ééééé123' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toBe('body is 13 bytes; send accepts at most 12');
    expect(readErrorMeta(refused.raw)).toMatchObject({
      code: 'SMCP_LIMIT_EXCEEDED',
      limit: { name: 'max_body_bytes', value: 12 },
    });
    expect(smtp.connections).toBe(1);
  });
});

describe('TLS', () => {
  it('refuses a server without STARTTLS: no login, no envelope', async () => {
    const smtp = await server({ tls: 'none' });
    const h = await harness(smtp);
    const result = await h.call('send', mail);
    expect(result.isError).toBe(true);
    expect(result.text).toBe(
      'The SMTP server did not start TLS (STARTTLS not offered or refused), and this module does not send without it (config tls: starttls); the message was not sent',
    );
    expect(readErrorMeta(result.raw)?.code).toBe('SMCP_UPSTREAM_ERROR');
    expect(smtp.connections).toBe(1);
    expect(smtp.logins).toEqual([]);
    expect(smtp.mailFrom).toEqual([]);
  });

  it('sends plain to a loopback relay only with tls: plain_local_relay, without a login when none is given', async () => {
    const smtp = await server({ tls: 'none', login: undefined });
    const h = await harness(
      smtp,
      { tls: 'plain_local_relay', tls_ca_file: undefined },
      { SMTP_USER: undefined, SMTP_PASSWORD: undefined },
    );
    expect((await h.call('send', mail)).isError).toBe(false);
    expect(smtp.messages[0]?.secure).toBe(false);
    expect(smtp.logins).toEqual([]);
  });

  it('a plain relay logs in when credentials are given', async () => {
    const smtp = await server({ tls: 'none' });
    const h = await harness(smtp, { tls: 'plain_local_relay' });
    expect((await h.call('send', mail)).isError).toBe(false);
    expect(smtp.logins).toEqual([expect.objectContaining({ user: USER, secure: false, accepted: true })]);
  });

  it('a plain relay stays plain when the relay offers STARTTLS', async () => {
    const smtp = await server({ login: undefined });
    const h = await harness(smtp, { tls: 'plain_local_relay' });
    expect((await h.call('send', mail)).isError).toBe(false);
    expect(smtp.messages[0]?.secure).toBe(false);
  });

  it("refuses a certificate no trusted CA signed (the system's CAs, without tls_ca_file)", async () => {
    const smtp = await server();
    const h = await harness(smtp, { tls_ca_file: undefined });
    const result = await h.call('send', mail);
    expect(result.isError).toBe(true);
    expect(result.text).toBe(
      "The SMTP server's TLS certificate was not accepted (UNABLE_TO_VERIFY_LEAF_SIGNATURE); for a private CA the operator sets config tls_ca_file; the message was not sent",
    );
    expect(smtp.logins).toEqual([]);
    expect(smtp.mailFrom).toEqual([]);
  });

  it('refuses a certificate of a trusted CA for another host name', async () => {
    const smtp = await server({ certificate: 'wrong-host' });
    const h = await harness(smtp);
    const result = await h.call('send', mail);
    expect(result.isError).toBe(true);
    expect(result.text).toContain('(ERR_TLS_CERT_ALTNAME_INVALID)');
    expect(smtp.logins).toEqual([]);
  });

  it('refuses a certificate under implicit TLS too', async () => {
    const smtp = await server({ tls: 'implicit', certificate: 'wrong-host' });
    const h = await harness(smtp, { tls: 'implicit' });
    expect((await h.call('send', mail)).text).toContain('(ERR_TLS_CERT_ALTNAME_INVALID)');
    expect(smtp.logins).toEqual([]);
  });
});

describe('failures', () => {
  it('a wrong password: a clear error naming the credentials, never their values, and no envelope', async () => {
    const smtp = await server({ login: { user: USER, password: 'another password' } });
    const h = await harness(smtp);
    const result = await h.call('send', mail);
    expect(result.isError).toBe(true);
    expect(result.text).toBe(
      'The SMTP server refused the login (535); the operator should check credentials SMTP_USER and SMTP_PASSWORD; the message was not sent',
    );
    expect(readErrorMeta(result.raw)?.code).toBe('SMCP_UPSTREAM_ERROR');
    expect(smtp.logins).toEqual([expect.objectContaining({ password: PASSWORD, accepted: false })]);
    expect(smtp.mailFrom).toEqual([]);
  });

  it('a refused recipient: the permanent reply quoted, a temporary one as unavailable', async () => {
    const permanent = await server({ refuseRecipients: { code: 550, message: 'No such user here' } });
    const a = await harness(permanent);
    const refused = await a.call('send', mail);
    expect(refused.text).toBe('The SMTP server refused the message: 550 No such user here');
    expect(readErrorMeta(refused.raw)?.code).toBe('SMCP_UPSTREAM_ERROR');

    const temporary = await server({ refuseRecipients: { code: 451, message: 'Greylisted, try later' } });
    const b = await harness(temporary);
    const later = await b.call('send', mail);
    expect(later.text).toBe(
      'The SMTP server refused the message for now: 451 Greylisted, try later; retry later',
    );
    expect(readErrorMeta(later.raw)?.code).toBe('SMCP_UPSTREAM_UNAVAILABLE');
  });

  it('a server that is not there: unavailable, without its host or port', async () => {
    const gone = await silentServer();
    const port = gone.port;
    await open.pop()?.close(); // nothing listens on the port now
    const h = await harness({ host: '127.0.0.1', port });
    const result = await h.call('send', mail);
    expect(result.text).toBe(
      'The SMTP server could not be reached (ECONNREFUSED); the message may or may not have been delivered',
    );
    expect(readErrorMeta(result.raw)?.code).toBe('SMCP_UPSTREAM_UNAVAILABLE');
    expect(result.text).not.toContain(String(port));
  });

  it('a server that never greets: unavailable after timeout_seconds', async () => {
    const silent = await silentServer();
    const h = await harness(silent, { timeout_seconds: 0.3 });
    const started = performance.now();
    const result = await h.call('send', mail);
    expect(result.text).toBe(
      'The SMTP server did not answer within 0.3 s (timeout_seconds); the message may or may not have been delivered',
    );
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('a send past send_timeout_seconds is stopped', async () => {
    const silent = await silentServer();
    const h = await harness(silent, { timeout_seconds: 30, send_timeout_seconds: 0.3 });
    const started = performance.now();
    const result = await h.call('send', mail);
    expect(result.text).toBe(
      'The SMTP server did not finish within 0.3 s (send_timeout_seconds); the message may or may not have been delivered',
    );
    expect(readErrorMeta(result.raw)).toMatchObject({
      code: 'SMCP_LIMIT_EXCEEDED',
      limit: { name: 'send_timeout_seconds', value: 0.3 },
    });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('a cancelled call stops its send', async () => {
    const silent = await silentServer();
    const h = await harness(silent, { timeout_seconds: 30 });
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 200);
    const started = performance.now();
    const result = await h.call('send', mail, { signal: cancel.signal });
    expect(result.isError).toBe(true);
    expect(result.text).toBe(
      'Sending was cancelled before the SMTP server confirmed it; the message may or may not have been delivered',
    );
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('every allowlisted address works, the local part only in its own case', async () => {
    const smtp = await server();
    const h = await harness(smtp);
    for (const to of ALLOWED.slice(0, 2)) expect((await h.call('send', { ...mail, to })).isError).toBe(false);
    const other = await h.call('send', { ...mail, to: 'oncall.team@Alerts.Example.org' });
    expect(other.text).toBe(
      "Recipient 'oncall.team@Alerts.Example.org' is not in the allowed_recipients list",
    );
    expect(smtp.rcptTo).toEqual(['ops@example.com', 'Oncall.Team@alerts.example.org']);
  });
});
