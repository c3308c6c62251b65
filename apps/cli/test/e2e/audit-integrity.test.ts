import { spawnSync } from 'node:child_process';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { readErrorMeta } from '@scoped-mcp/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureOutput } from '../../src/__fixtures__/capture-output.js';
import { main } from '../../src/main.js';
import { childEnv } from '../helpers/env.js';
import { type JsonRecord, readJsonl } from '../helpers/jsonl.js';
import { buildManifest, cliBin, manifestsDir, requireBuiltCli } from '../helpers/paths.js';
import { startInMemoryAgent } from '../helpers/in-memory-agent.js';
import { waitForExit } from '../helpers/process-state.js';
import { runCli } from '../helpers/run-cli.js';
import { spawnAgent } from '../helpers/spawn-agent.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

// What only processes show about the audit log: a crash, SIGKILL, two processes on one file, a full disk,
// and the head kept outside the file.

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('audit-integrity');
});
afterEach(async () => {
  await removeTempDir(dir);
});

function verify(file: string, ...flags: string[]) {
  return captureOutput(async () => (await main(['audit', 'verify', file, ...flags])) ?? 0);
}

const events = (lines: readonly JsonRecord[], event: string) => lines.filter((l) => l.event === event);

describe('two processes, one audit log', () => {
  it('the second stops at startup, naming the file and the pid that holds it; the first keeps serving', async () => {
    const first = await spawnAgent({ manifest: buildManifest, dir, agentId: 'first' });
    try {
      const auditLog = first.auditLog!;
      const second = await runCli(['--manifest', buildManifest, '--audit-log', auditLog], {
        cwd: dir,
        env: childEnv(dir, { AGENT_ID: 'second', AGENT_TYPE: 'build', SCOPED_MCP_DATA_DIR: dir }),
      });
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `audit log '${auditLog}' is in use by another scoped-mcp process (pid ${first.pid}`,
      );
      expect((await first.call('filesystem_list_dir', { path: '' })).isError).toBe(false);
      await first.close();
      const lines = await readJsonl(auditLog);
      expect(new Set(lines.map((l) => l.session_id)).size).toBe(1);
      expect((await verify(auditLog)).code).toBe(0);
    } finally {
      await first.close();
    }
  });
});

describe('a process killed with SIGKILL', () => {
  it('leaves its lock behind, which the next start takes over; its unsealed segment and a partial line are recorded', async () => {
    const first = await spawnAgent({ manifest: buildManifest, dir, agentId: 'killed' });
    const auditLog = first.auditLog!;
    expect((await first.call('filesystem_write_file', { path: 'a.txt', content: 'x' })).isError).toBe(false);
    first.child.kill('SIGKILL');
    await waitForExit(first.pid, 5000);
    await first.close();
    expect((await stat(`${auditLog}.lock`)).isFile()).toBe(true);
    // What SIGKILL in the middle of a write leaves: the first bytes of a line.
    await appendFile(auditLog, '{"level":"info","timestamp":"2026-12-03T10:00:00.000Z","logger":"audit","ag');

    const second = await spawnAgent({
      manifest: buildManifest,
      dir,
      agentId: 'killed',
      auditLogPath: auditLog,
    });
    expect((await second.call('filesystem_read_file', { path: 'a.txt' })).text).toBe('x');
    await second.close();
    const text = await readFile(auditLog, 'utf8');
    // The partial line was ended, not appended to: the next line is whole, and starts a segment naming it.
    const raw = text.split('\n');
    const partialAt = raw.findIndex((line) => line.endsWith('"ag'));
    expect(JSON.parse(raw[partialAt + 1]!)).toMatchObject({
      event: 'audit_segment_start',
      reason: 'partial_line',
      break_bytes: raw[partialAt]!.length,
    });
    const run = await verify(auditLog);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^OK: \d+ lines in 2 segments, hash chain intact/);
    expect(run.stdout).toContain(`line ${partialAt + 1}: note: a line cut short`);
    // Without the segment record the same file is broken at the partial line, and verification goes on past it.
    const without = raw.filter((_, index) => index !== partialAt + 1).join('\n');
    await writeFile(join(dir, 'no-record.jsonl'), without);
    const broken = await verify(join(dir, 'no-record.jsonl'));
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`BROKEN: line ${partialAt + 1} of`);
  });
});

describe('the head, kept outside the file', () => {
  it('goes to the ops log and the health file; `verify --head` fails a cut or rewritten tail', async () => {
    const healthFile = join(dir, 'health.json');
    const agent = await spawnAgent({
      manifest: buildManifest,
      dir,
      agentId: 'headed',
      env: { SCOPED_MCP_HEALTH_FILE: healthFile },
    });
    for (let i = 0; i < 4; i++)
      await agent.call('filesystem_write_file', { path: `f${i}.txt`, content: `${i}` });
    const running = JSON.parse(await readFile(healthFile, 'utf8')) as JsonRecord;
    expect(running.audit_head).toMatch(/^[0-9a-f]{32}$/);
    await agent.close();
    const auditLog = agent.auditLog!;
    const heads = events(await readJsonl(agent.opsLog!), 'audit_head');
    expect(heads.at(-1)).toMatchObject({ reason: 'sealed' });
    const head = String(heads.at(-1)?.head);
    const health = JSON.parse(await readFile(healthFile, 'utf8')) as JsonRecord;
    expect(health.audit_head).toBe(head);

    const ok = await verify(auditLog, '--head', head);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/the head is line \d+/);

    const lines = (await readFile(auditLog, 'utf8')).split('\n').filter(Boolean);
    const cut = join(dir, 'cut.jsonl');
    await writeFile(cut, `${lines.slice(0, -2).join('\n')}\n`);
    // Alone, a cut at a line boundary cannot be told from a server still running: only noted.
    expect((await verify(cut)).code).toBe(0);
    const run = await verify(cut, '--head', head);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no line has the head hash/);
  });
});

describe('a keyed chain (audit.chain_key)', () => {
  it('is verified with the key; a rewrite with recomputed plain hashes is found', async () => {
    const manifest = join(dir, 'keyed-agent.yml');
    const text = await readFile(join(manifestsDir, 'build-agent.yml'), 'utf8');
    await writeFile(manifest, `${text}\naudit:\n  chain_key: AUDIT_CHAIN_KEY\n`);
    const key = 'k3y-'.repeat(12);
    const agent = await spawnAgent({ manifest, dir, agentId: 'keyed', env: { AUDIT_CHAIN_KEY: key } });
    for (let i = 0; i < 10; i++)
      await agent.call('filesystem_write_file', { path: `k${i}.txt`, content: `${i}` });
    await agent.close();
    const auditLog = agent.auditLog!;
    const original = await readFile(auditLog, 'utf8');
    expect(original).not.toContain(key);
    expect(original).toContain('"chain":"hmac-sha256"');

    process.env.SMCP_E2E_AUDIT_KEY = key;
    try {
      expect((await verify(auditLog, '--key-env', 'SMCP_E2E_AUDIT_KEY')).code).toBe(0);
      expect((await verify(auditLog)).stderr).toMatch(/keyed \(HMAC\): pass the key/);
      // Ten lines rewritten, every prev recomputed with a plain hash, the segment record saying "sha256".
      const { createHash } = await import('node:crypto');
      let prev = '0'.repeat(32);
      const forged = original
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const out = line
            .replace('"chain":"hmac-sha256"', '"chain":"sha256"')
            .replace(/"content":"(\d)"/, '"content":"forged-$1"')
            .replace(/"prev":"[0-9a-f]{32}"\}$/, `"prev":"${prev}"}`);
          prev = createHash('sha256').update(out).digest('hex').slice(0, 32);
          return out;
        });
      await writeFile(auditLog, `${forged.join('\n')}\n`);
      expect((await verify(auditLog)).code).toBe(0);
      const run = await verify(auditLog, '--key-env', 'SMCP_E2E_AUDIT_KEY');
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/not keyed, though a key was given/);
    } finally {
      delete process.env.SMCP_E2E_AUDIT_KEY;
    }
  });

  it('a key shorter than 32 bytes or missing stops startup', async () => {
    const manifest = join(dir, 'keyed-agent.yml');
    const text = await readFile(join(manifestsDir, 'build-agent.yml'), 'utf8');
    await writeFile(manifest, `${text}\naudit:\n  chain_key: AUDIT_CHAIN_KEY\n`);
    const env = (extra: Record<string, string>) =>
      childEnv(dir, { AGENT_ID: 'k', AGENT_TYPE: 'build', SCOPED_MCP_DATA_DIR: dir, ...extra });
    const short = await runCli(['--manifest', manifest], {
      cwd: dir,
      env: env({ AUDIT_CHAIN_KEY: 'short' }),
    });
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/audit.chain_key: credential 'AUDIT_CHAIN_KEY' is shorter than 32 bytes/);
    expect(short.stderr).not.toContain("'short'");
    const missing = await runCli(['--manifest', manifest], { cwd: dir, env: env({}) });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/audit.chain_key: credential 'AUDIT_CHAIN_KEY' is not in/);
  });
});

describe('calls refused for their arguments', () => {
  it('count against the rate limit, and their audit lines stay small whatever they carry', async () => {
    const manifest = join(dir, 'limited-agent.yml');
    const text = await readFile(join(manifestsDir, 'build-agent.yml'), 'utf8');
    await writeFile(manifest, `${text}\nrate_limits:\n  per_tool:\n    filesystem_write_file: 3/minute\n`);
    const agent = await startInMemoryAgent({ manifest, dir, agentId: 'flooder' });
    try {
      // Invalid (a number where a path goes), and as large as the sanitiser lets through: 100 × 100 × 500 chars.
      const wide = Object.fromEntries(
        Array.from({ length: 100 }, (_, i) => [
          `k${i}`,
          Object.fromEntries(Array.from({ length: 100 }, (_, j) => [`v${j}`, 'x'.repeat(500)])),
        ]),
      );
      const codes: unknown[] = [];
      for (let i = 0; i < 10; i++) {
        const result = await agent.call('filesystem_write_file', { path: 7, content: 'x', ...wide });
        codes.push(readErrorMeta(result.raw)?.code);
      }
      expect(codes.slice(0, 3)).toEqual(['SMCP_TOOL_INPUT', 'SMCP_TOOL_INPUT', 'SMCP_TOOL_INPUT']);
      expect(new Set(codes.slice(3))).toEqual(new Set(['SMCP_RATE_LIMITED']));
      const valid = await agent.call('filesystem_write_file', { path: 'ok.txt', content: 'x' });
      expect(readErrorMeta(valid.raw)?.code).toBe('SMCP_RATE_LIMITED');
    } finally {
      await agent.close();
    }
    // Ten calls of ~5 MB each: 48 MB of audit log before the cap; now at most 16 KiB of arguments a line.
    expect((await stat(agent.auditLog)).size).toBeLessThan(10 * 20_000);
  });
});

describe('line separators', () => {
  it('U+2028, U+2029 and U+0085 in arguments never reach the audit file raw', async () => {
    const agent = await startInMemoryAgent({ manifest: buildManifest, dir, agentId: 'separators' });
    const content = 'one\u2028two\u2029three\u0085four';
    await agent.call('filesystem_write_file', { path: 's.txt', content });
    await agent.close();
    const text = await readFile(agent.auditLog, 'utf8');
    expect(text).not.toMatch(/[\u0085\u2028\u2029]/);
    // Python's splitlines, which ends lines at each of them, sees as many lines as there are newlines (JSON
    // escapes the control characters it also splits at).
    expect(text.split(/\r\n|[\n\r\u0085\u2028\u2029]/).length).toBe(text.split('\n').length);
    const written = events(await readJsonl(agent.auditLog), 'tool_call')[0];
    expect(written?.args).toMatchObject({ content });
    expect((await verify(agent.auditLog)).code).toBe(0);
  });
});

// A real full disk: a 256 KiB tmpfs, mounted in a mount namespace of the CLI's own (unshare -m; as root, or
// with user namespaces, -r), holds the audit log; the test fills it through /proc/<pid>/root after startup.
const canMount =
  process.platform === 'linux' &&
  spawnSync(
    'unshare',
    [...(process.getuid?.() === 0 ? [] : ['-r']), '-m', 'sh', '-c', 'mount -t tmpfs -o size=64k none /mnt'],
    {
      stdio: 'ignore',
    },
  ).status === 0;

describe.skipIf(!canMount)('the audit log on a full disk', () => {
  it('refuses write_file before it runs (the file is not written), and serves again once there is room', async () => {
    requireBuiltCli();
    const logDir = join(dir, 'logs');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(logDir);
    const auditLog = join(logDir, 'audit.jsonl');
    const unshareArgs = [...(process.getuid?.() === 0 ? [] : ['-r']), '-m', 'sh', '-c'];
    const script = `mount -t tmpfs -o size=256k,mode=0700 none '${logDir}' && exec '${process.execPath}' '${cliBin}' --manifest '${buildManifest}' --audit-log '${auditLog}' --ops-log '${join(dir, 'ops.jsonl')}'`;
    const transport = new StdioClientTransport({
      command: 'unshare',
      args: [...unshareArgs, script],
      cwd: dir,
      env: childEnv(dir, { AGENT_ID: 'full-disk', AGENT_TYPE: 'build', SCOPED_MCP_DATA_DIR: dir }),
      stderr: 'pipe',
    });
    const client = new Client({ name: 'audit-full-disk', version: '1.0.0' });
    await client.connect(transport);
    const pid = transport.pid!;
    const inside = (path: string) => `/proc/${pid}/root${path}`;
    const call = async (args: Record<string, unknown>) =>
      (await client.callTool({ name: 'filesystem_write_file', arguments: args })) as CallToolResult;
    try {
      expect((await call({ path: 'before.txt', content: 'fine' })).isError).toBeFalsy();
      // Fill the tmpfs to the last byte.
      const { open } = await import('node:fs/promises');
      const filler = await open(inside(join(logDir, 'filler')), 'w');
      const block = Buffer.alloc(4096, 0x2e);
      try {
        for (;;) await filler.write(block);
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      for (;;) {
        try {
          await filler.write(Buffer.alloc(1, 0x2e));
        } catch {
          break;
        }
      }
      await filler.close();

      // The audit file's last page still has room (tmpfs allocates by pages): the calls it takes are audited
      // in full; the first one whose line does not fit is refused before it runs.
      const written: string[] = [];
      let refused: CallToolResult | undefined;
      for (let i = 0; i < 40 && !refused; i++) {
        const result = await call({ path: `during-${i}.txt`, content: 'must not be written unaudited' });
        if (result.isError) refused = result;
        else written.push(`during-${i}.txt`);
      }
      expect(refused?.isError).toBe(true);
      expect(readErrorMeta(refused)?.code).toBe('SMCP_AUDIT_UNAVAILABLE');
      expect(JSON.stringify(refused?.content)).toContain('did not run');
      await expect(stat(join(dir, 'files', `during-${written.length}.txt`))).rejects.toMatchObject({
        code: 'ENOENT',
      });
      // Refused again while the disk stays full.
      expect(readErrorMeta(await call({ path: 'still.txt', content: 'x' }))?.code).toBe(
        'SMCP_AUDIT_UNAVAILABLE',
      );
      const ops = await readJsonl(join(dir, 'ops.jsonl'));
      expect(events(ops, 'audit_write_failed')).toEqual([
        expect.objectContaining({ tool: 'filesystem_write_file', ran: false, error_code: 'ENOSPC' }),
        expect.objectContaining({ tool: 'filesystem_write_file', ran: false, error_code: 'ENOSPC' }),
      ]);

      const { rm } = await import('node:fs/promises');
      await rm(inside(join(logDir, 'filler')));
      expect((await call({ path: 'after.txt', content: 'fine again' })).isError).toBeFalsy();
      const copy = join(dir, 'audit-copy.jsonl');
      await writeFile(copy, await readFile(inside(auditLog)));
      const run = await verify(copy);
      expect(run.code).toBe(0);
      // The line the full disk cut short is no JSON; the segment start after it records it.
      const lines = (await readFile(copy, 'utf8'))
        .split('\n')
        .filter((line) => line.endsWith('}'))
        .map((line) => JSON.parse(line) as JsonRecord);
      expect(events(lines, 'tool_call').map((l) => (l.args as JsonRecord).path)).toEqual([
        'before.txt',
        ...written,
        'after.txt',
      ]);
    } finally {
      await client.close().catch(() => undefined);
      await waitForExit(pid, 5000);
    }
  }, 30_000);
});
