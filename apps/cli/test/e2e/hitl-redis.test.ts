import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { coreVersion, openStateBackend, type StateBackend } from '@scoped-mcp/core/runtime';
import { connectInMemory, type InMemoryConnection } from '@scoped-mcp/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, readErrorMeta } from '@scoped-mcp/core';
import { loadRedisFixture, type RedisServerHandle } from '../helpers/guardrails-redis.js';
import { cliBin, fixturesDir, requireBuiltCli } from '../helpers/paths.js';
import { makeInstallDir } from '../helpers/install-dir.js';

// The agent side runs here (a server built from the manifest, connected in memory: HITL on Redis); the
// operator side is the built `scoped-mcp hitl` command in its own process, as in production.

const fixture = await loadRedisFixture();
const available = fixture.redisServerAvailable();
const ID = /approval ID: (agent-a\.[0-9a-f]{12})/;
const PASSWORD = 'hunter2-Correct-Horse';
const GATED_MODULE = join(fixturesDir, 'gated-module.mjs');
const HEX40 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';
const escapeId = (id: string) => id.replace('.', '\\.');

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function operatorEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.SCOPED_MCP_MODULES_FROM;
  return env;
}

function settle(resolve: (r: CliResult) => void) {
  return (error: { code?: unknown } | null, stdout: string, stderr: string) => {
    const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
    resolve({ code, stdout, stderr });
  };
}

function cli(manifest: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliBin, 'hitl', '--manifest', manifest, ...args],
      { env: operatorEnv(), timeout: 20_000 },
      settle(resolve),
    );
  });
}

/** A command line as printed, run by a POSIX shell in which `scoped-mcp` is the built CLI. */
function shell(commandLine: string, binDir: string): Promise<CliResult> {
  const env = operatorEnv();
  env.PATH = `${binDir}${delimiter}${env.PATH ?? ''}`;
  return new Promise((resolve) => {
    execFile('/bin/sh', ['-c', commandLine], { env, timeout: 20_000 }, settle(resolve));
  });
}

describe.skipIf(!available)(
  'HITL over Redis with the operator CLI in another process',
  { timeout: 30_000 },
  () => {
    let server: RedisServerHandle;
    let install: Awaited<ReturnType<typeof makeInstallDir>>;
    let raw: StateBackend;
    let manifest: string;
    const agents: InMemoryConnection[] = [];
    const backends: StateBackend[] = [];
    let sequence = 0;

    async function writeManifest(name: string, stateBackend: Record<string, unknown>): Promise<string> {
      const path = join(install.dir, name);
      const shared = stateBackend.type !== 'in_process';
      await writeFile(
        path,
        JSON.stringify({
          agent_type: 'build',
          // The hitl command loads no module; the manifest only has to be valid.
          modules: { filesystem: { config: { base_path: './ws' } } },
          state_backend: stateBackend,
          hitl: shared ? { approval_required: ['ops_write_*'] } : { shadow: ['ops_drop_*'] },
        }),
      );
      return path;
    }

    async function open(config: Record<string, unknown>): Promise<StateBackend> {
      const backend = await openStateBackend(config as never, {
        bases: [install.dir],
        coreVersion: coreVersion(),
      });
      backends.push(backend);
      return backend;
    }

    /**
     * An agent as `scoped-mcp run` would build it from a manifest (the gated module, HITL on this state
     * backend), connected in memory; `calls()` lists what the module's handlers ran.
     */
    async function agent(
      stateBackend: Record<string, unknown>,
      hitl: Record<string, unknown> = {},
      agentId = 'agent-a',
      more: { env?: Record<string, string>; dir?: string } = {},
    ): Promise<{ harness: InMemoryConnection; path: string; calls(): Promise<string[]> }> {
      const n = ++sequence;
      const callsFile = join(install.dir, `calls-${n}.txt`);
      const path = join(more.dir ?? install.dir, `agent-${n}.json`);
      await writeFile(
        path,
        JSON.stringify({
          agent_type: 'build',
          modules: { ops: { type: GATED_MODULE, config: { calls: callsFile } } },
          state_backend: stateBackend,
          hitl: {
            approval_required: ['ops_write_*'],
            timeout_seconds: 300,
            notify: { type: 'log' },
            ...hitl,
          },
        }),
      );
      const harness = await connectInMemory(
        { manifest: path },
        { env: { AGENT_ID: agentId, AGENT_TYPE: 'build', ...more.env } },
      );
      agents.push(harness);
      return {
        harness,
        path,
        calls: async () => (await readFile(callsFile, 'utf8').catch(() => '')).split('\n').filter(Boolean),
      };
    }

    const redis = () => ({ type: 'redis', url: server.url });

    async function ask(harness: InMemoryConnection, args: Record<string, unknown>): Promise<string> {
      const r = await harness.call('ops_write_file', args);
      expect(r.isError).toBe(true);
      // The agent's program reads the id from _meta; the text names the same one.
      const id = readErrorMeta(r.raw)?.approval_id;
      if (!id) throw new Error(`expected an approval id in: ${r.text}`);
      expect(ID.exec(r.text)?.[1]).toBe(id);
      return id;
    }

    beforeAll(async () => {
      requireBuiltCli();
      server = await fixture.startRedisServer();
      install = await makeInstallDir();
      manifest = await writeManifest('agent.json', { type: 'redis', url: server.url });
      raw = await open({ type: 'redis', url: server.url });
    });

    afterEach(async () => {
      await Promise.all(agents.splice(0).map((a) => a.close()));
    });

    afterAll(async () => {
      await Promise.all(backends.map((b) => b.close().catch(() => undefined)));
      await server?.stop();
      await install?.remove();
    });

    it('refuses, lists, is approved by `scoped-mcp hitl approve`, runs once, then asks again', async () => {
      const { harness, calls } = await agent(redis());
      const id = await ask(harness, { path: 'a.txt', text: 'hi' });

      const listed = await cli(manifest, 'list');
      expect(listed).toMatchObject({ code: 0, stderr: '' });
      expect(listed.stdout).toMatch(
        new RegExp(
          `^${escapeId(id)}  agent=agent-a  tool=ops_write_file  expires_in=(300|29\\d)s\\n` +
            '  arguments: \\{"path":"a\\.txt","text":"hi"\\}\\n$',
        ),
      );

      expect(await cli(manifest, 'approve', id)).toEqual({
        code: 0,
        stdout: `approved: ${id}\n`,
        stderr: '',
      });
      expect((await cli(manifest, 'list')).stdout).toBe('(no pending approvals)\n');

      const retry = await harness.call('ops_write_file', { path: 'a.txt', text: 'hi' });
      expect(retry).toMatchObject({ isError: false, text: 'wrote a.txt' });
      expect(await calls()).toEqual(['write_file a.txt']);

      const again = await ask(harness, { path: 'a.txt', text: 'hi' });
      expect(again).not.toBe(id);
      expect(await calls()).toEqual(['write_file a.txt']);
    });

    it('refuses a token for other arguments, and a second approval of the same id', async () => {
      const { harness, calls } = await agent(redis());
      const id = await ask(harness, { path: 'a.txt' });
      expect((await cli(manifest, 'approve', id)).code).toBe(0);
      const second = await cli(manifest, 'approve', id);
      expect(second.code).toBe(3);
      expect(second.stderr).toBe(
        `error: no pending approval with ID '${id}' (it may have expired or been decided already)\n`,
      );
      expect(await ask(harness, { path: 'b.txt' })).not.toBe(id);
      expect(await calls()).toEqual([]);
      expect((await harness.call('ops_write_file', { path: 'a.txt' })).isError).toBe(false);
    });

    it('runs exactly one of many concurrent retries (atomic take on Redis)', async () => {
      const { harness, calls } = await agent(redis());
      const id = await ask(harness, { path: 'c.txt' });
      expect((await cli(manifest, 'approve', id)).code).toBe(0);
      const results = await Promise.all(
        Array.from({ length: 10 }, () => harness.call('ops_write_file', { path: 'c.txt' })),
      );
      expect(results.filter((r) => !r.isError)).toHaveLength(1);
      expect(await calls()).toEqual(['write_file c.txt']);
    });

    it('lets a pending approval expire: the CLI cannot approve it, the retry gets a new id', async () => {
      const { harness, calls } = await agent(redis(), { timeout_seconds: 1 });
      const id = await ask(harness, { path: 'slow.txt' });
      await new Promise((r) => setTimeout(r, 1300));
      expect((await cli(manifest, 'approve', id)).code).toBe(3);
      expect(await ask(harness, { path: 'slow.txt' })).not.toBe(id);
      expect(await calls()).toEqual([]);
    });

    it('passes the operator’s rejection and reason to the next retry', async () => {
      const { harness, calls } = await agent(redis());
      const id = await ask(harness, { path: 'r.txt' });
      expect(await cli(manifest, 'reject', id, 'not', 'during', 'the', 'freeze')).toEqual({
        code: 0,
        stdout: `rejected: ${id}\n`,
        stderr: '',
      });
      const r = await harness.call('ops_write_file', { path: 'r.txt' });
      expect(r.text).toBe(
        `Tool call to 'ops_write_file' was rejected by the operator (approval ID: ${id}): not during the freeze`,
      );
      expect(await calls()).toEqual([]);
    });

    it('keeps agents apart: agent-b cannot use agent-a’s approval', async () => {
      const a = await agent(redis());
      const b = await agent(redis(), {}, 'agent-b');
      const id = await ask(a.harness, { path: 'shared.txt' });
      expect((await cli(manifest, 'approve', id)).code).toBe(0);
      const r = await b.harness.call('ops_write_file', { path: 'shared.txt' });
      expect(r.text).toMatch(/approval ID: agent-b\.[0-9a-f]{12}/);
      expect(readErrorMeta(r.raw)?.approval_id).toMatch(/^agent-b\.[0-9a-f]{12}$/);
      expect(await b.calls()).toEqual([]);
    });

    it('stores no credential value the server holds in Redis, and says so where it shows the arguments', async () => {
      const { harness, path } = await agent(redis(), {}, 'agent-a', { env: { OPS_PASSWORD: PASSWORD } });
      const id = await ask(harness, { path: 'p.txt', password: PASSWORD });
      const keys = await raw.keys('*');
      expect(keys.length).toBeGreaterThan(0);
      const values = await Promise.all(keys.map((k) => raw.get(k).catch(() => '')));
      expect([...keys, ...values].join('\n')).not.toContain(PASSWORD);

      const shown = await cli(path, 'show', id);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('"password": "<redacted-secret>"');
      expect(shown.stdout).toContain(
        "credential values the agent's server holds are shown as <redacted-secret>; the call runs with the real values",
      );
      expect((await cli(path, 'list')).stdout).toContain(
        `  arguments (credential values redacted): {"password":"<redacted-secret>","path":"p.txt","text":""}`,
      );
      // Approving it runs the call with the real value.
      expect((await cli(path, 'approve', id)).code).toBe(0);
      expect((await harness.call('ops_write_file', { path: 'p.txt', password: PASSWORD })).isError).toBe(
        false,
      );
    });

    it('shows the operator the exact arguments: nothing cut, no key, hex, depth or width heuristics', async () => {
      const { harness, path } = await agent(redis());
      let deep: unknown = 'bottom';
      for (let i = 0; i < 10; i++) deep = { level: deep };
      const data = {
        sort_key: 'created_at',
        ref: HEX40,
        deep,
        wide: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, i])),
        note: `${'x'.repeat(600)}', balance = 0`,
      };
      const r = await harness.call('ops_write_data', { data });
      const id = readErrorMeta(r.raw)?.approval_id as string;
      expect(id).toMatch(/^agent-a\.[0-9a-f]{12}$/);

      const shown = await cli(path, 'show', id);
      expect(shown).toMatchObject({ code: 0, stderr: '' });
      // The CLI runs a process: under load, a few seconds may pass.
      expect(shown.stdout.replace(/expires in: (300|29\d)s/, 'expires in: 300s')).toBe(
        [
          `approval:   ${id}`,
          'agent:      agent-a (build)',
          'tool:       ops_write_data',
          'expires in: 300s',
          'arguments (canonical JSON; approving lets exactly this call run, once):',
          canonicalJson({ data }, { indent: 2 }),
          '',
          `approve: scoped-mcp hitl --manifest ${path} approve ${id}`,
          `reject:  scoped-mcp hitl --manifest ${path} reject ${id} [REASON]`,
          '',
        ].join('\n'),
      );
      // Too long for one line of `list`: it says where the full arguments are.
      const listed = await cli(path, 'list');
      expect(listed.stdout).toContain(
        `  arguments: ${Buffer.byteLength(canonicalJson({ data }))} bytes, too long to list; read them in full with: scoped-mcp hitl --manifest ${path} show ${id}\n`,
      );
    });

    it('opens one approval for ten concurrent identical calls: one id for all, one notification', async () => {
      const { harness } = await agent(redis());
      const results = await Promise.all(
        Array.from({ length: 10 }, () => harness.call('ops_write_file', { path: 'same.txt' })),
      );
      const ids = results.map((r) => readErrorMeta(r.raw)?.approval_id);
      expect(new Set(ids).size).toBe(1);
      const id = ids[0] as string;
      expect(id).toMatch(/^agent-a\.[0-9a-f]{12}$/);
      const listed = (await cli(manifest, 'list')).stdout;
      expect(listed.split('\n').filter((l) => l.includes('"path":"same.txt"'))).toHaveLength(1);
      expect(listed).toContain(`${id}  agent=agent-a  tool=ops_write_file`);
      const notified = harness.audit.filter((l) => l.event === 'hitl_approval_required');
      expect(notified.map((l) => l.approval_id)).toEqual([id]);
      expect(harness.audit.filter((l) => l.event === 'hitl_approval_still_pending')).toHaveLength(9);
      expect((await cli(manifest, 'approve', id)).code).toBe(0);
    });

    it('prints commands that work: the agent’s approve command and the notification’s show command, run by a shell', async () => {
      const binDir = join(install.dir, 'bin');
      await mkdir(binDir, { recursive: true });
      const shim = join(binDir, 'scoped-mcp');
      await writeFile(shim, `#!/bin/sh\nexec '${process.execPath}' '${cliBin}' "$@"\n`);
      await chmod(shim, 0o755);
      // A manifest path a shell would split, were it not quoted.
      const dir = join(install.dir, "the agents' manifests");
      await mkdir(dir, { recursive: true });
      const { harness, calls } = await agent(redis(), {}, 'agent-a', { dir });

      const r = await harness.call('ops_write_file', { path: 'printed.txt' });
      const id = readErrorMeta(r.raw)?.approval_id as string;
      const approveCommand = /Ask the operator to run: (.+) — then retry/.exec(r.text)?.[1] as string;
      expect(approveCommand).toContain(`'${install.dir}/the agents'\\''`);
      const message = harness.audit.find((l) => l.event === 'hitl_approval_required')?.message as string;
      const showCommand = /^Exact arguments: (.+)$/m.exec(message)?.[1] as string;
      expect(/^Approve: (.+)$/m.exec(message)?.[1]).toBe(approveCommand);

      const shown = await shell(showCommand, binDir);
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain('"path": "printed.txt"');
      expect(await shell(approveCommand, binDir)).toEqual({
        code: 0,
        stdout: `approved: ${id}\n`,
        stderr: '',
      });
      expect((await harness.call('ops_write_file', { path: 'printed.txt' })).isError).toBe(false);
      expect(await calls()).toEqual(['write_file printed.txt']);
    });

    it('refuses to approve a record that does not carry its full arguments (exit 4), and lets it be rejected', async () => {
      const id = 'agent-a.0123456789ab';
      // As an older scoped-mcp wrote it: a sanitised summary of the arguments only.
      const legacy = {
        approval_id: id,
        tool: 'ops_write_file',
        agent_id: 'agent-a',
        agent_type: 'build',
        arguments_summary: { path: 'a.txt', text: 'x...<truncated 900 bytes>' },
        args_hash: '0123456789abcdef0123456789abcdef',
        timestamp: Date.now() / 1000,
        timeout_seconds: 300,
      };
      await raw.set(`scoped-mcp:agent-a:hitl:${id}`, JSON.stringify(legacy), 300_000);
      expect((await cli(manifest, 'list')).stdout).toContain(
        `${id}  agent=agent-a  tool=ops_write_file  expires_in=`,
      );
      expect((await cli(manifest, 'list')).stdout).toContain(
        '  arguments: not recorded in full (written by an older scoped-mcp, or not by scoped-mcp), so this approval cannot be approved; reject it, or let it expire\n',
      );
      const approve = await cli(manifest, 'approve', id);
      expect(approve).toEqual({
        code: 4,
        stdout: '',
        stderr: `error: approval '${id}' does not record the full arguments it would run, so it cannot be approved; reject it (scoped-mcp hitl --manifest ${manifest} reject ${id}), or let it expire\n`,
      });
      expect(await raw.keys('*preapproved*0123456789abcdef0123456789abcdef')).toEqual([]);
      expect((await cli(manifest, 'reject', id)).code).toBe(0);
      expect((await cli(manifest, 'show', id)).code).toBe(3);
    });

    it('uses state_backend.key_prefix the same way on both sides', async () => {
      const prefixed = await writeManifest('prefixed.json', {
        type: 'redis',
        url: server.url,
        key_prefix: 'tenant1:',
      });
      const { harness, calls } = await agent({ ...redis(), key_prefix: 'tenant1:' });
      const id = await ask(harness, { path: 'k.txt' });
      expect((await cli(manifest, 'list')).stdout).not.toContain(id);
      expect((await cli(prefixed, 'list')).stdout).toContain(id);
      expect((await cli(prefixed, 'approve', id)).code).toBe(0);
      expect((await harness.call('ops_write_file', { path: 'k.txt' })).isError).toBe(false);
      expect(await calls()).toEqual(['write_file k.txt']);
    });

    it('exits 2 on a malformed id and 1 without a shared backend, touching nothing', async () => {
      // Keys earlier tests left can expire between the two snapshots (the expiry test's approval lives 1 s):
      // start from an empty store, so the snapshots compare only this test's keys, which live 300 s, and
      // only the CLI could change them.
      for (const key of await raw.keys('*')) await raw.delete(key);
      const { harness } = await agent(redis());
      await ask(harness, { path: 'm.txt' });
      const snapshot = async () => {
        const keys = (await raw.keys('*')).sort();
        return Promise.all(keys.map(async (k) => `${k}=${await raw.get(k)}`));
      };
      const before = await snapshot();
      const bad = await cli(manifest, 'approve', 'agent-a.XYZ');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^error: malformed approval ID "agent-a.XYZ"/);
      const local = await writeManifest('local.json', { type: 'in_process' });
      const refused = await cli(local, 'list');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        'error: hitl needs a shared state backend (state_backend.type: redis) — approvals are written by this command, in another process\n',
      );
      for (const id of ['*', 'agent-a.*', 'agent-a.0123456789ab\n', '../agent-a.0123456789ab']) {
        expect((await cli(manifest, 'reject', id)).code).toBe(2);
      }
      expect(await snapshot()).toEqual(before);
    });

    it('fails closed when Redis goes away: the agent is refused, the CLI exits 1 promptly', async () => {
      const doomed = await fixture.startRedisServer();
      const { harness, calls } = await agent({ type: 'redis', url: doomed.url });
      const id = await ask(harness, { path: 'd.txt' });
      const doomedManifest = await writeManifest('doomed.json', { type: 'redis', url: doomed.url });
      await doomed.kill();

      const r = await harness.call('ops_write_file', { path: 'd.txt' });
      expect(r).toMatchObject({ isError: true, text: 'approval rejected: state backend unavailable' });
      expect(await calls()).toEqual([]);
      // The server's own tool_error line for the refusal follows the HITL middleware's line.
      expect(harness.audit.filter((line) => line.event !== 'tool_error').at(-1)).toMatchObject({
        event: 'hitl_state_read_failed',
      });

      const started = Date.now();
      const approve = await cli(doomedManifest, 'approve', id);
      expect(approve.code).toBe(1);
      expect(approve.stdout).toBe('');
      expect(approve.stderr).toMatch(/^error: /);
      expect(Date.now() - started).toBeLessThan(15_000);
    });
  },
);
