import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectInMemory } from '@scoped-mcp/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FROM, PASSWORD, USER } from './__fixtures__/harness.js';
import { type FakeSmtpServer, startSmtpServer, TEST_CA_FILE } from './__fixtures__/smtp-server.js';

// A manifest as written for the Python scoped-mcp (plus the test CA), loaded as `scoped-mcp run` loads
// it: `type` defaults to the key, `smtp` resolves to the built @scoped-mcp/module-smtp installed next to
// the CLI, and the credentials come from the environment.
const cliDir = fileURLToPath(new URL('../../../apps/cli', import.meta.url));
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));

let dir: string;
let smtp: FakeSmtpServer;
beforeAll(async () => {
  if (!existsSync(built)) throw new Error('this test loads the built package: run `pnpm build` first');
  dir = await mkdtemp(join(tmpdir(), 'smtp-manifest-'));
  smtp = await startSmtpServer({ login: { user: USER, password: PASSWORD } });
});
afterAll(async () => {
  await smtp.close();
  await rm(dir, { recursive: true, force: true });
});

it('loads a reference manifest and sends through smtp_send', async () => {
  const manifest = join(dir, 'ops-agent.yml');
  await writeFile(
    manifest,
    [
      'agent_type: ops',
      'modules:',
      '  smtp:',
      '    config:',
      `      from_address: ${FROM}`,
      '      allowed_recipients:',
      '        - ops@example.com',
      `      tls_ca_file: ${JSON.stringify(TEST_CA_FILE)}`,
      'credentials:',
      '  source: env',
      '',
    ].join('\n'),
  );
  const conn = await connectInMemory(
    { manifest },
    {
      cliDir,
      env: {
        AGENT_ID: 'ops-1',
        AGENT_TYPE: 'ops',
        SMTP_HOST: smtp.host,
        SMTP_PORT: String(smtp.port),
        SMTP_USER: USER,
        SMTP_PASSWORD: PASSWORD,
      },
    },
  );
  try {
    expect(await conn.toolNames()).toEqual(['scoped_mcp_status', 'smtp_send']);
    const result = await conn.call('smtp_send', {
      to: 'ops@example.com',
      subject: 'from a manifest',
      body: 'hi',
    });
    expect(result.text).toBe('true');
    expect(smtp.rcptTo).toEqual(['ops@example.com']);
    const refused = await conn.call('smtp_send', { to: 'ceo@example.com', subject: 's', body: 'b' });
    expect(refused.text).toBe("Recipient 'ceo@example.com' is not in the allowed_recipients list");
  } finally {
    await conn.close();
  }
});
