import { readErrorMeta } from '@scoped-mcp/core';
import type { ModuleHarness } from '@scoped-mcp/testing';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FROM, PASSWORD, smtpHarness, USER } from './__fixtures__/harness.js';
import { type FakeSmtpServer, startSmtpServer, TEST_CA_FILE } from './__fixtures__/smtp-server.js';

// Allowed: ops@example.com, Oncall.Team@Alerts.Example.org, root@localhost (see __fixtures__/harness.ts).
// Each of these must be refused before any connection: the server's record of connections, MAIL FROM
// and RCPT TO stays empty. A second address, a changed envelope or an injected header would show there.
const RECIPIENT_TRICKS: readonly [string, string][] = [
  ['display name', 'Ops <ops@example.com>'],
  [
    'quoted display name of an allowed address, another address inside',
    '"ops@example.com" <evil@attacker.example>',
  ],
  ['comma list', 'ops@example.com, evil@attacker.example'],
  ['comma list without space', 'ops@example.com,evil@attacker.example'],
  ['semicolon list', 'ops@example.com;evil@attacker.example'],
  ['space-separated list', 'ops@example.com evil@attacker.example'],
  ['tab-separated list', 'ops@example.com\tevil@attacker.example'],
  ['group', 'team: ops@example.com, evil@attacker.example;'],
  ['group of one', 'team:ops@example.com;'],
  ['empty group', 'undisclosed-recipients:;'],
  ['encoded word as display name', '=?utf-8?q?ops@example.com?= <evil@attacker.example>'],
  ['encoded word alone', '=?utf-8?b?b3BzQGV4YW1wbGUuY29t?='],
  ['encoded word as local part', '=?utf-8?q?ops?=@example.com'],
  ['quoted local part holding an allowed address', '"ops@example.com"@attacker.example'],
  ['quoted local part', '"ops"@example.com'],
  ['quoted local part with a comma', '"ops,evil"@example.com'],
  ['CRLF and a Bcc header', 'ops@example.com\r\nBcc: evil@attacker.example'],
  ['LF and a Bcc header', 'ops@example.com\nBcc: evil@attacker.example'],
  ['CR and a Cc header', 'ops@example.com\rCc: evil@attacker.example'],
  ['trailing CRLF', 'ops@example.com\r\n'],
  ['CRLF and an SMTP command', 'ops@example.com>\r\nRCPT TO:<evil@attacker.example'],
  ['percent-encoded CRLF', 'ops@example.com%0d%0aBcc:evil@attacker.example'],
  ['Unicode line separator', 'ops@example.com\u2028Bcc: evil@attacker.example'],
  ['NUL and a second address', 'ops@example.com\0evil@attacker.example'],
  ['trailing NUL', 'ops@example.com\0'],
  ['angle brackets', '<ops@example.com>'],
  ['angle brackets and a second address', '<ops@example.com>, evil@attacker.example'],
  ['angle bracket games', 'ops@example.com>, <evil@attacker.example'],
  ['bracket inside', 'evil@attacker.example<ops@example.com>'],
  ['trailing dot domain', 'ops@example.com.'],
  ['source route', '@attacker.example:ops@example.com'],
  ['source route in brackets', '<@attacker.example:ops@example.com>'],
  ['percent hack', 'evil%attacker.example@example.com'],
  ['bang path', 'attacker.example!ops@example.com'],
  ['second @', 'ops@example.com@attacker.example'],
  ['IP literal', 'ops@[127.0.0.1]'],
  ['dotted quad as a domain', 'ops@127.0.0.1'],
  ['comment after', 'ops@example.com (ops)'],
  ['comment inside', 'ops(comment)@example.com'],
  ['leading space', ' ops@example.com'],
  ['trailing space', 'ops@example.com '],
  ['Cyrillic a in the domain', 'ops@ex\u0430mple.com'],
  ['Cyrillic o in the local part', '\u043eps@example.com'],
  ['fullwidth o', '\uff4fps@example.com'],
  ['fullwidth at sign', 'ops\uff20example.com'],
  ['zero-width space', 'ops@example.com\u200b'],
  ['combining mark', 'ops@example.com\u0301'],
  ['backslash escape', 'ops\\@example.com'],
  ['dot at the start', '.ops@example.com'],
  ['dot at the end of the local part', 'ops.@example.com'],
  ['double dot', 'o..ps@example.com'],
  ['empty label', 'ops@example..com'],
  ['hyphen at a label start', 'ops@-example.com'],
  ['mailto: URI', 'mailto:ops@example.com'],
  ['empty', ''],
  ['local part in another case', 'OPS@example.com'],
  ['allowed local part, other case', 'oncall.team@alerts.example.org'],
  ['sub-domain of an allowed domain', 'ops@mail.example.com'],
  ['punycode look-alike domain', 'ops@xn--exmple-cua.com'],
  ['plus address of an allowed mailbox', 'ops+x@example.com'],
  [
    'very long',
    `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.com`,
  ],
];

const SUBJECT_TRICKS: readonly [string, string][] = [
  ['CRLF and a Bcc header', 'Hello\r\nBcc: evil@attacker.example'],
  ['LF and a Bcc header', 'Hello\nBcc: evil@attacker.example'],
  ['CR alone', 'Hello\rBcc: evil@attacker.example'],
  ['CRLF CRLF and a body', 'Hello\r\n\r\nforged body'],
  ['NUL', 'Hello\0'],
  ['vertical tab', 'Hello\vthere'],
  ['form feed', 'Hello\fthere'],
  ['escape', 'Hello\x1b[31m'],
  ['DEL', 'Hello\x7f'],
];

let smtp: FakeSmtpServer;
let h: ModuleHarness;
beforeAll(async () => {
  smtp = await startSmtpServer({ login: { user: USER, password: PASSWORD } });
  h = await smtpHarness(smtp);
});
afterAll(async () => {
  await h.close();
  await smtp.close();
});

describe('recipients refused before any connection', () => {
  it.each(RECIPIENT_TRICKS)('%s', async (_name, to) => {
    const result = await h.call('send', { to, subject: 'hello', body: 'hi' });
    expect(result.isError).toBe(true);
    expect(readErrorMeta(result.raw)?.code).toBe('SMCP_SCOPE_VIOLATION');
    expect(result.text).toMatch(/^Recipient '.*' is not in the allowed_recipients list/);
    expect(result.text).not.toMatch(/[\r\n\0\u2028]/);
    expect(h.audit.at(-1)).toMatchObject({ event: 'scope_violation', tool: 'smtp_send' });
    expect(smtp.connections).toBe(0);
    expect(smtp.rcptTo).toEqual([]);
  });

  it('quotes a look-alike with its code points escaped', async () => {
    const result = await h.call('send', { to: 'ops@ex\u0430mple.com\r\nBcc: x', subject: 's', body: 'b' });
    expect(result.text).toBe(
      'Recipient \'ops@ex\\u0430mple.com\\r\\nBcc: x\' is not in the allowed_recipients list: give one plain address, local@domain, in ASCII: no display name, <brackets>, comment, list, quotes, "%" or "!" routing, or IP literal',
    );
  });

  it('a well-formed address that is not allowed gets the reference message', async () => {
    const result = await h.call('send', { to: 'evil@attacker.example', subject: 's', body: 'b' });
    expect(result.text).toBe("Recipient 'evil@attacker.example' is not in the allowed_recipients list");
  });
});

describe('subjects refused before any connection', () => {
  it.each(SUBJECT_TRICKS)('%s', async (_name, subject) => {
    const result = await h.call('send', { to: 'ops@example.com', subject, body: 'hi' });
    expect(result.isError).toBe(true);
    expect(readErrorMeta(result.raw)?.code).toBe('SMCP_TOOL_INPUT');
    expect(result.text).toBe(
      'subject must be one line: line breaks (CR, LF) and other control characters are refused',
    );
    expect(smtp.connections).toBe(0);
  });
});

describe('after every trick', () => {
  it('the server is reachable, and only the allowed mail ever reached it', async () => {
    const result = await h.call('send', { to: 'ops@example.com', subject: 'tab\tis fine', body: 'hi' });
    expect(result.isError).toBe(false);
    expect(smtp.connections).toBe(1);
    expect(smtp.mailFrom).toEqual([FROM]);
    expect(smtp.rcptTo).toEqual(['ops@example.com']);
  });
});

// The control group: the same tricks handed to nodemailer as a `to` header without this module's checks
// and stated envelope reach other mailboxes. This is what the tests above would catch.
describe('without the module, nodemailer would have sent them on', () => {
  it.each([
    'ops@example.com, evil@attacker.example',
    'ops@example.com;evil@attacker.example',
    'team: ops@example.com, evil@attacker.example;',
    '"ops@example.com" <evil@attacker.example>',
    '<ops@example.com>, evil@attacker.example',
  ])('%s', async (to) => {
    const server = await startSmtpServer({ login: { user: USER, password: PASSWORD } });
    const { readFile } = await import('node:fs/promises');
    const transport = createTransport({
      host: server.host,
      port: server.port,
      requireTLS: true,
      tls: { ca: await readFile(TEST_CA_FILE, 'utf8') },
      auth: { user: USER, pass: PASSWORD },
    });
    try {
      await transport.sendMail({ from: FROM, to, subject: 'hello', text: 'hi' });
      expect(server.rcptTo).toContain('evil@attacker.example');
    } finally {
      transport.close();
      await server.close();
    }
  });
});
