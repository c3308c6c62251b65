import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/codes.js';
import { ScopedMcpError } from '../errors/errors.js';
import { resolveCredentials } from './resolve.js';
import { envCredentialSource, openCredentialSource, openFileCredentialSource } from './sources.js';

describe('envCredentialSource', () => {
  it('reads own environment entries; an empty value is present', () => {
    const source = envCredentialSource({ NTFY_URL: 'https://ntfy', EMPTY: '' });
    expect(source.kind).toBe('env');
    expect(source.lookup('NTFY_URL')).toBe('https://ntfy');
    expect(source.lookup('EMPTY')).toBe('');
    expect(source.lookup('MISSING')).toBeUndefined();
    expect(source.warnings).toEqual([]);
  });

  it('never resolves inherited properties', () => {
    const source = envCredentialSource({});
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty'])
      expect(source.lookup(key)).toBeUndefined();
  });

  it('reads the live process environment object', () => {
    const key = `SMCP_TEST_${process.pid}`;
    process.env[key] = 'v';
    try {
      expect(envCredentialSource(process.env).lookup(key)).toBe('v');
    } finally {
      delete process.env[key];
    }
  });
});

const CANARY = 'canary-Secret-9d7e2b';
const isRoot = process.getuid?.() === 0;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smcp-creds-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function secretsFile(name: string, text: string, mode = 0o600): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  await chmod(file, mode);
  return file;
}

async function rejection(promise: Promise<unknown>): Promise<ScopedMcpError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ScopedMcpError) return error;
    throw error;
  }
  throw new Error('expected a ScopedMcpError');
}

describe('file credential source', () => {
  it('reads KEY: value pairs verbatim as strings', async () => {
    const file = await secretsFile(
      's.yml',
      `NTFY_URL: https://ntfy.example\nPIN: 0777\nFLAG: yes\nEXP: 1e3\nQUOTED: "a: b # c"\nPASSWORD: ${CANARY}\nEMPTY:\n`,
    );
    const source = await openFileCredentialSource(file, { manifestDir: '/nowhere' });
    expect(source.kind).toBe('file');
    expect(source.description).toBe(`file ${file}`);
    expect(source.warnings).toEqual([]);
    expect(source.lookup('NTFY_URL')).toBe('https://ntfy.example');
    expect(source.lookup('PIN')).toBe('0777');
    expect(source.lookup('FLAG')).toBe('yes');
    expect(source.lookup('EXP')).toBe('1e3');
    expect(source.lookup('QUOTED')).toBe('a: b # c');
    expect(source.lookup('PASSWORD')).toBe(CANARY);
    expect(source.lookup('EMPTY')).toBe('');
    expect(source.lookup('MISSING')).toBeUndefined();
    expect(source.lookup('constructor')).toBeUndefined();
  });

  it('resolves a relative path from the manifest directory, not the working directory', async () => {
    await mkdir(join(dir, 'manifests'));
    await secretsFile('manifests/secrets.yml', 'K: v\n');
    const source = await openCredentialSource(
      { source: 'file', path: 'secrets.yml', strict_permissions: true },
      { env: {}, manifestDir: join(dir, 'manifests') },
    );
    expect(source.lookup('K')).toBe('v');
  });

  it('refuses a file group/others can read (chmod 644), with the chmod advice', async () => {
    const file = await secretsFile('s.yml', `K: ${CANARY}\n`, 0o644);
    const error = await rejection(openFileCredentialSource(file, { manifestDir: dir }));
    expect(error.code).toBe(ErrorCode.credentialsSource);
    expect(error.message).toContain(`Secrets file '${file}' has insecure permissions: mode 0644`);
    expect(error.message).toContain(`chmod 600 ${file}`);
    expect(error.message).toContain('strict_permissions: false');
    expect(error.message).not.toContain(CANARY);
  });

  it('refuses group-writable and other-executable modes too', async () => {
    for (const mode of [0o620, 0o601, 0o640]) {
      const file = await secretsFile(`s-${mode}.yml`, 'K: v\n', mode);
      expect((await rejection(openFileCredentialSource(file, { manifestDir: dir }))).message).toContain(
        `mode 0${mode.toString(8)}`,
      );
    }
  });

  it('accepts 600 and 400', async () => {
    for (const mode of [0o600, 0o400]) {
      const file = await secretsFile(`ok-${mode}.yml`, 'K: v\n', mode);
      expect((await openFileCredentialSource(file, { manifestDir: dir })).lookup('K')).toBe('v');
    }
  });

  it('only warns with strict_permissions: false', async () => {
    const file = await secretsFile('s.yml', 'K: v\n', 0o644);
    const source = await openCredentialSource(
      { source: 'file', path: file, strict_permissions: false },
      { env: {}, manifestDir: dir },
    );
    expect(source.lookup('K')).toBe('v');
    expect(source.warnings).toHaveLength(1);
    expect(source.warnings?.[0]).toMatch(/insecure permissions: mode 0644 .*strict_permissions is false/);
  });

  it.skipIf(!isRoot)('refuses a file owned by another user', async () => {
    const file = await secretsFile('s.yml', 'K: v\n');
    await chown(file, 65534, 65534);
    const error = await rejection(openFileCredentialSource(file, { manifestDir: dir }));
    expect(error.message).toContain('owned by uid 65534, not the running user (uid 0)');
    expect(error.message).toContain(`chown 0 ${file}`);
  });

  it('checks the target of a symlink (secret mounts use them)', async () => {
    const target = await secretsFile('real.yml', 'K: v\n', 0o644);
    const link = join(dir, 'link.yml');
    await symlink(target, link);
    expect((await rejection(openFileCredentialSource(link, { manifestDir: dir }))).message).toContain(
      'mode 0644',
    );
    await chmod(target, 0o600);
    expect((await openFileCredentialSource(link, { manifestDir: dir })).lookup('K')).toBe('v');
  });

  it('reports a missing file, a directory and an oversized file', async () => {
    const missing = join(dir, 'nope.yml');
    const absent = await rejection(openFileCredentialSource(missing, { manifestDir: dir }));
    expect(absent.message).toBe(`Secrets file not found: ${missing}`);
    // Absent rather than refused: validate reports it as a warning (it may run where secrets are not).
    expect(absent.code).toBe('SMCP_CREDENTIALS_MISSING');
    const sub = join(dir, 'sub');
    await mkdir(sub, { mode: 0o700 });
    expect((await rejection(openFileCredentialSource(sub, { manifestDir: dir }))).message).toBe(
      `Secrets file '${sub}' is not a regular file: it is a directory`,
    );
    const big = await secretsFile('big.yml', `K: ${'x'.repeat(1024 * 1024)}\n`);
    expect((await rejection(openFileCredentialSource(big, { manifestDir: dir }))).message).toContain(
      'larger than 1 MiB',
    );
  });

  it('refuses a FIFO at once, naming it, instead of waiting for a writer (which hung startup)', async () => {
    const fifo = join(dir, 'secrets.fifo');
    execFileSync('mkfifo', ['-m', '600', fifo]);
    const outcome = await Promise.race([
      rejection(openFileCredentialSource(fifo, { manifestDir: dir })),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 2000).unref()),
    ]);
    // Had the open blocked, a writer releases it, so the worker is not left with a stuck thread.
    if (outcome === 'hung') closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    expect(outcome).not.toBe('hung');
    expect((outcome as ScopedMcpError).code).toBe(ErrorCode.credentialsSource);
    expect((outcome as ScopedMcpError).message).toBe(
      `Secrets file '${fifo}' is not a regular file: it is a FIFO (named pipe)`,
    );
  });

  it('refuses a character device, naming it', async () => {
    const error = await rejection(openFileCredentialSource('/dev/null', { manifestDir: dir }));
    expect(error.message).toBe("Secrets file '/dev/null' is not a regular file: it is a character device");
  });

  it('never echoes file content in parse errors', async () => {
    const cases = [`K: "${CANARY}\n`, `K: ${CANARY}\nK: ${CANARY}\n`, `  - ${CANARY}\n bad: [\n`];
    for (const text of cases) {
      const file = await secretsFile('bad.yml', text);
      const error = await rejection(openFileCredentialSource(file, { manifestDir: dir }));
      expect(error.message).toMatch(
        /^Secrets file '.*' is not valid YAML \((line \d+, column \d+: )?[A-Z_]+\)$/,
      );
      expect(error.message).not.toContain(CANARY);
    }
  });

  it('requires a mapping of plain string values', async () => {
    for (const text of ['', `- ${CANARY}\n`, `${CANARY}\n`]) {
      const file = await secretsFile('list.yml', text);
      const error = await rejection(openFileCredentialSource(file, { manifestDir: dir }));
      expect(error.message).toBe(`Secrets file '${file}' must be a YAML mapping of KEY: value`);
    }
    const nested = await secretsFile('nested.yml', `A: {x: ${CANARY}}\nB: [${CANARY}]\nC: ok\n`);
    const error = await rejection(openFileCredentialSource(nested, { manifestDir: dir }));
    expect(error.message).toBe(
      `Secrets file '${nested}': the value of A, B must be a plain string, not a list or mapping`,
    );
  });

  it('feeds resolveCredentials: declared keys only, missing keys named with the file', async () => {
    const file = await secretsFile('s.yml', `NTFY_URL: ${CANARY}\nSMTP_PASSWORD: other-secret\n`);
    const source = await openFileCredentialSource(file, { manifestDir: dir });
    const { byInstance, secrets } = resolveCredentials(source, [
      { instance: 'ntfy', required: ['NTFY_URL'], optional: [] },
    ]);
    expect(byInstance.get('ntfy')).toEqual({ NTFY_URL: CANARY });
    expect(secrets).toEqual([CANARY]);
    let message = '';
    try {
      resolveCredentials(source, [
        { instance: 'smtp', required: ['SMTP_HOST', 'SMTP_PASSWORD'], optional: [] },
      ]);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      `Missing required credential(s): modules.smtp needs SMTP_HOST (source: file ${file})`,
    );
  });
});

describe('openCredentialSource', () => {
  it('opens the env source', async () => {
    const source = await openCredentialSource(
      { source: 'env', strict_permissions: true },
      { env: { A: '1' }, manifestDir: dir },
    );
    expect(source.kind).toBe('env');
    expect(source.lookup('A')).toBe('1');
  });

  it('explains that vault needs its own package', async () => {
    const error = await rejection(
      openCredentialSource(
        {
          source: 'vault',
          strict_permissions: true,
          vault: {
            addr: 'https://v',
            auth: 'approle',
            role_id_env: 'VAULT_ROLE_ID',
            secret_id_env: 'VAULT_SECRET_ID',
            path: 'kv/x',
            kv_version: 2,
          },
        },
        { env: {}, manifestDir: dir },
      ),
    );
    expect(error.code).toBe(ErrorCode.credentialsSource);
    expect(error.message).toBe(
      "credentials.source 'vault' needs the @scoped-mcp/credentials-vault package, which is not available yet",
    );
  });
});
