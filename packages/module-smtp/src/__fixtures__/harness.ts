import { createModuleHarness, type HarnessOptions, type ModuleHarness } from '@scoped-mcp/testing';
import smtp from '../index.js';
import { type FakeSmtpServer, TEST_CA_FILE } from './smtp-server.js';

export const USER = 'mailer-user';
export const PASSWORD = 'correct horse battery staple';
export const FROM = 'agent-alerts@sender.example';
export const ALLOWED = ['ops@example.com', 'Oncall.Team@Alerts.Example.org', 'root@localhost'];

/** Config and credentials for a module instance talking to `server`, with the test CA trusted. */
export function smtpOptions(
  server: Pick<FakeSmtpServer, 'host' | 'port'>,
  config: Record<string, unknown> = {},
  credentials: Record<string, string | undefined> = {},
): HarnessOptions {
  const given: Record<string, string | undefined> = {
    SMTP_HOST: server.host,
    SMTP_PORT: String(server.port),
    SMTP_USER: USER,
    SMTP_PASSWORD: PASSWORD,
    ...credentials,
  };
  return {
    config: {
      from_address: FROM,
      allowed_recipients: ALLOWED,
      tls_ca_file: TEST_CA_FILE,
      timeout_seconds: 2,
      ...config,
    },
    // An undefined value leaves the credential out.
    credentials: Object.fromEntries(
      Object.entries(given).filter((entry): entry is [string, string] => entry[1] !== undefined),
    ),
  };
}

export function smtpHarness(
  server: Pick<FakeSmtpServer, 'host' | 'port'>,
  config: Record<string, unknown> = {},
  credentials: Record<string, string | undefined> = {},
): Promise<ModuleHarness> {
  return createModuleHarness(smtp, smtpOptions(server, config, credentials));
}

/** The headers of a raw message, unfolded, by lower-case name. */
export function headersOf(raw: string): Map<string, string[]> {
  const head = raw.split(/\r\n\r\n/, 1)[0] ?? '';
  const headers = new Map<string, string[]>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 1) continue;
    const name = line.slice(0, colon).toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return headers;
}
