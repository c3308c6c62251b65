import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModuleHarness } from '@scoped-mcp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpHarness, smtpOptions } from './__fixtures__/harness.js';
import { startSmtpServer } from './__fixtures__/smtp-server.js';
import smtp from './index.js';

const here = { host: '127.0.0.1', port: 2525 };

async function setupError(
  config: Record<string, unknown>,
  credentials: Record<string, string | undefined> = {},
  limits?: { max_message_bytes: number },
): Promise<string> {
  try {
    const h = await createModuleHarness(smtp, { ...smtpOptions(here, config, credentials), limits });
    await h.close();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('setup succeeded');
}

describe('config', () => {
  it.each([
    [
      'a display name in from_address',
      { from_address: 'Alerts <alerts@example.com>' },
      'config.from_address',
    ],
    [
      'two addresses in from_address',
      { from_address: 'a@example.com, b@example.com' },
      'config.from_address',
    ],
    ['an empty allowlist', { allowed_recipients: [] }, 'allowed_recipients'],
    [
      'a list in one allowlist entry',
      { allowed_recipients: ['a@example.com,b@example.com'] },
      'allowed_recipients[0]',
    ],
    [
      'a group in an allowlist entry',
      { allowed_recipients: ['ok@example.com', 'g:a@example.com;'] },
      'allowed_recipients[1]',
    ],
    ['an unknown TLS mode', { tls: 'none' }, 'config.tls'],
    ['a zero timeout', { timeout_seconds: 0 }, 'config.timeout_seconds'],
  ])('refuses %s, naming the field without quoting it', async (_name, config, field) => {
    const message = await setupError(config);
    expect(message).toContain(field);
    for (const value of Object.values(config).flat()) {
      if (typeof value === 'string' && value.includes('@')) expect(message).not.toContain(value);
    }
  });

  it('asks for all four credentials unless the server is a plain local relay', async () => {
    expect(await setupError({}, { SMTP_USER: undefined, SMTP_PASSWORD: undefined })).toBe(
      'missing required credential(s): SMTP_USER, SMTP_PASSWORD',
    );
    expect(
      await setupError({ tls: 'plain_local_relay' }, { SMTP_HOST: undefined, SMTP_PASSWORD: undefined }),
    ).toBe('missing required credential(s): SMTP_HOST');
  });

  it('takes SMTP_USER and SMTP_PASSWORD together or not at all', async () => {
    expect(await setupError({ tls: 'plain_local_relay' }, { SMTP_PASSWORD: undefined })).toContain(
      'smtp: credentials SMTP_USER and SMTP_PASSWORD must be given together',
    );
  });

  it.each(['', 'abc', '0', '65536', '25x', ' 25', '-1', '1e3', '999999'])(
    'refuses SMTP_PORT %j without quoting it',
    async (port) => {
      const message = await setupError({}, { SMTP_PORT: port });
      expect(message).toContain('smtp: credential SMTP_PORT must be a port number, 1 to 65535');
    },
  );

  it.each(['', 'mail example.com', 'user@mail.example.com', 'mail.example.com/x', 'mail\r\n.example.com'])(
    'refuses SMTP_HOST %j',
    async (host) => {
      expect(await setupError({}, { SMTP_HOST: host })).toContain(
        'smtp: credential SMTP_HOST must be a host name or an IP address',
      );
    },
  );

  it.each([
    'smtp.example.com',
    '10.0.0.25',
    '::ffff:127.0.0.1',
    '0.0.0.0',
    '127.0.0.1.example.com',
    'localhost.',
  ])('refuses a plain relay at %s, which is not loopback', async (host) => {
    const message = await setupError({ tls: 'plain_local_relay' }, { SMTP_HOST: host });
    expect(message).toContain(
      'smtp: config tls: plain_local_relay sends without encryption, so credential SMTP_HOST must be a loopback address (127.0.0.0/8, ::1 or localhost)',
    );
    expect(message).not.toContain(host);
  });

  it.each(['127.0.0.1', '127.10.20.30', '::1', '[::1]', '0:0:0:0:0:0:0:1', 'localhost', 'LOCALHOST'])(
    'accepts a plain relay at %s',
    async (host) => {
      const h = await createModuleHarness(
        smtp,
        smtpOptions(here, { tls: 'plain_local_relay' }, { SMTP_HOST: host }),
      );
      await h.close();
    },
  );

  it('refuses a max_body_bytes no message can carry', async () => {
    expect(await setupError({ max_body_bytes: 4096 }, {}, { max_message_bytes: 4096 })).toContain(
      'smtp: config max_body_bytes (4096) must be smaller than limits.max_message_bytes (4096)',
    );
  });
});

describe('tls_ca_file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smtp-ca-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('must exist', async () => {
    const missing = join(dir, 'missing.pem');
    expect(await setupError({ tls_ca_file: missing })).toContain(
      `smtp: config tls_ca_file '${missing}' cannot be read (ENOENT)`,
    );
  });

  it('must hold a PEM certificate', async () => {
    const key = join(dir, 'not-a-cert.pem');
    await writeFile(key, '-----BEGIN PRIVATE KEY-----\n');
    expect(await setupError({ tls_ca_file: key })).toContain(
      `smtp: config tls_ca_file '${key}' holds no PEM certificate`,
    );
  });

  it('resolves against the manifest directory', async () => {
    const server = await startSmtpServer({
      login: { user: 'mailer-user', password: 'correct horse battery staple' },
    });
    const options = smtpOptions(server, { tls_ca_file: './tls/ca.pem' });
    const h = await createModuleHarness(smtp, {
      ...options,
      manifestDir: new URL('./__fixtures__/', import.meta.url).pathname,
    });
    expect((await h.call('send', { to: 'ops@example.com', subject: 's', body: 'b' })).isError).toBe(false);
    await h.close();
    await server.close();
  });
});

describe('localhost as a plain relay', () => {
  it('connects to 127.0.0.1 without looking the name up', async () => {
    const server = await startSmtpServer({ tls: 'none' });
    const h = await smtpHarness(
      server,
      { tls: 'plain_local_relay' },
      {
        SMTP_HOST: 'localhost',
        SMTP_USER: undefined,
        SMTP_PASSWORD: undefined,
      },
    );
    expect((await h.call('send', { to: 'root@localhost', subject: 's', body: 'b' })).isError).toBe(false);
    expect(server.rcptTo).toEqual(['root@localhost']);
    await h.close();
    await server.close();
  });
});
