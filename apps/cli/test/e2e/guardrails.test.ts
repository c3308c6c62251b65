import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from '../helpers/env.js';
import { approvalIdOf, guardedEnv, guardedManifest, runHitl } from '../helpers/guardrails-cli.js';
import { loadRedisFixture, type RedisServerHandle } from '../helpers/guardrails-redis.js';
import { duplicateKeys, type JsonRecord, readJsonl } from '../helpers/jsonl.js';
import { findLeaks } from '../helpers/leaks.js';
import { type InMemoryAgent, startInMemoryAgent } from '../helpers/in-memory-agent.js';
import { type CliRun, runCli } from '../helpers/run-cli.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

// manifests/guarded-agent.yml, end to end: agents built from it as `scoped-mcp run` builds them, each with
// its own connection to a real Redis with a password (which must never reach a log line), connected to
// the SDK client in memory; the operator's `scoped-mcp hitl` and `validate` in separate processes.

const fixture = await loadRedisFixture();
const PASSWORD = 'e2e-Redis-Pw-4f9c2a71';
const POLICY = (tool: string) => `tool call to '${tool}' blocked by argument filter policy`;
const FAIL_CLOSED = 'state backend unavailable; the call was refused (fail closed)';
const AWS_KEY = 'AKIAABCDEFGHIJKLMNOP';

describe.skipIf(!fixture.redisServerAvailable())('guardrails end to end (in memory, real Redis)', () => {
  let dir: string;
  let redis: RedisServerHandle;
  let redisUrl: string;
  const agents: InMemoryAgent[] = [];
  const cliRuns: CliRun[] = [];

  const spawn = async (agentId: string): Promise<InMemoryAgent> => {
    const agent = await startInMemoryAgent({
      manifest: guardedManifest,
      dir,
      agentId,
      agentType: 'build',
      env: guardedEnv(dir, redisUrl),
    });
    agents.push(agent);
    return agent;
  };
  const hitl = async (...args: string[]): Promise<CliRun> => {
    const run = await runHitl(args, dir, redisUrl);
    cliRuns.push(run);
    return run;
  };
  const auditOf = async (agent: InMemoryAgent, event: string): Promise<JsonRecord[]> =>
    (await readJsonl(agent.auditLog!)).filter((line) => line.event === event);
  const agentFile = (agentId: string, name: string) => join(dir, 'files', 'agents', agentId, name);

  beforeAll(async () => {
    dir = await makeTempDir('guardrails');
    redis = await fixture.startRedisServer({ password: PASSWORD });
    redisUrl = `${redis.url}/0`;
  });
  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await redis?.stop();
    await removeTempDir(dir);
  });

  it('validate accepts the manifest, every guardrail pattern matches a tool, no secret is printed', async () => {
    const run = await runCli(['validate', '--manifest', guardedManifest], {
      cwd: dir,
      env: childEnv(dir, guardedEnv(dir, redisUrl)),
    });
    cliRuns.push(run);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("agent_type 'build', 2 module(s), 8 tools plus scoped_mcp_status");
    expect(run.stderr).toBe('');
  });

  it('a per-tool limit is shared by two servers of one AGENT_ID; other agents have their own window', async () => {
    const a = await spawn('rate-shared');
    const b = await spawn('rate-shared');
    const outcomes = [];
    for (let i = 0; i < 8; i++) outcomes.push(await (i % 2 === 0 ? a : b).call('filesystem_list_dir', {}));
    // filesystem_list_*: 5/minute, counted across both servers (each with its own Redis connection).
    expect(outcomes.map((o) => o.isError)).toEqual([false, false, false, false, false, true, true, true]);
    for (const refused of outcomes.slice(5)) {
      expect(refused.text).toMatch(
        /^Rate limit exceeded for tool 'filesystem_list_dir': limit 5\/60s\. Retry in \d+\.\d s\.$/,
      );
    }
    const lines = [
      ...(await auditOf(a, 'rate_limit_exceeded')),
      ...(await auditOf(b, 'rate_limit_exceeded')),
    ];
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      expect(line).toMatchObject({
        agent_id: 'rate-shared',
        tool_name: 'filesystem_list_dir',
        limit_type: 'per_tool',
        pattern: 'filesystem_list_*',
        current_count: 5,
        limit: 5,
        window_seconds: 60,
      });
      expect(line.retry_after_ms).toBeGreaterThan(0);
      expect(line.retry_after_ms).toBeLessThanOrEqual(60_000);
    }
    // A per-tool refusal is the usual tool_error line too, with the error code.
    expect(await auditOf(a, 'tool_error')).toContainEqual(
      expect.objectContaining({ tool: 'filesystem_list_dir', error_code: 'SMCP_RATE_LIMITED' }),
    );
    const other = await spawn('rate-other');
    expect((await other.call('filesystem_list_dir', {})).isError).toBe(false);
  });

  it('the global limit covers every tool together', async () => {
    const agent = await spawn('rate-global');
    const results = [];
    for (let i = 0; i < 61; i++) results.push(await agent.call('scoped_mcp_status', {}));
    expect(results.filter((r) => r.isError)).toHaveLength(1);
    expect(results[60]?.text).toMatch(
      /^Rate limit exceeded for agent 'rate-global': global limit 60\/60s\. Retry in \d+\.\d s\.$/,
    );
    const refused = await agent.call('filesystem_read_file', { path: 'x.txt' });
    expect(refused.text).toMatch(/^Rate limit exceeded for agent 'rate-global'/);
    expect(await auditOf(agent, 'rate_limit_exceeded')).toEqual([
      expect.objectContaining({ limit_type: 'global', tool_name: 'scoped_mcp_status', limit: 60 }),
      expect.objectContaining({ limit_type: 'global', tool_name: 'filesystem_read_file', limit: 60 }),
    ]);
  });

  it('an argument filter blocks raw and encoded payloads with one generic message and audits the rule', async () => {
    const agent = await spawn('filter-a');
    const drop = 'DROP TABLE users';
    const attempts: [string, Record<string, unknown>, string, Record<string, unknown>][] = [
      ['sqlite_execute', { sql: drop }, 'no-destructive-sql', { field_name: 'sql', matched_on: 'raw' }],
      [
        'sqlite_execute',
        { sql: Buffer.from(drop).toString('base64') },
        'no-destructive-sql',
        { field_name: 'sql', matched_on: 'decoded', decoded_by: 'base64' },
      ],
      [
        'sqlite_execute',
        { sql: 'drop%20table%20users' },
        'no-destructive-sql',
        { field_name: 'sql', matched_on: 'decoded', decoded_by: 'url' },
      ],
      [
        'filesystem_write_file',
        { path: 'run.sh', content: `echo ${Buffer.from('rm -rf /').toString('base64')} | base64 -d | sh` },
        'no-recursive-delete',
        { field_name: 'content', matched_on: 'decoded' },
      ],
    ];
    for (const [tool, args, rule] of attempts) {
      const result = await agent.call(tool, args);
      expect(result.isError).toBe(true);
      expect(result.text).toBe(POLICY(tool));
      expect(result.text).not.toContain(rule);
      for (const value of Object.values(args)) expect(result.text).not.toContain(String(value));
    }
    expect(existsSync(agentFile('filter-a', 'run.sh'))).toBe(false);
    const blocked = await auditOf(agent, 'argument_filter_blocked');
    expect(blocked).toHaveLength(attempts.length);
    attempts.forEach(([tool, args, rule, fields], i) => {
      expect(blocked[i]).toMatchObject({ agent_id: 'filter-a', tool, filter_name: rule, ...fields });
      // The audit line names the rule, never the matched text.
      const line = JSON.stringify(blocked[i]);
      for (const value of Object.values(args)) expect(line).not.toContain(String(value));
      expect(line).not.toContain('DROP');
    });
    const errors = (await auditOf(agent, 'tool_error')).map((l) => [
      l.tool,
      l.error_code,
      l.error,
      l.error_message,
    ]);
    expect(errors).toEqual(
      attempts.map(([tool]) => [tool, 'SMCP_POLICY_BLOCKED', 'PolicyError', POLICY(tool)]),
    );
    // Refused before HITL: sqlite_execute needs approval, but no approval was opened for a blocked call.
    const list = await hitl('list');
    expect(list.code).toBe(0);
    expect(list.stdout).not.toContain('filter-a');

    // A warn rule lets the call through and says so in the audit log.
    const warned = await agent.call('filesystem_write_file', { path: 'notes.txt', content: 'see prod-db' });
    expect(warned.isError, warned.text).toBe(false);
    expect(await auditOf(agent, 'argument_filter_warning')).toEqual([
      expect.objectContaining({
        tool: 'filesystem_write_file',
        filter_name: 'mentions-prod',
        field_name: 'content',
        matched_on: 'raw',
      }),
    ]);
  });

  it('a response filter redacts an access key (raw and base64) and blocks a private key', async () => {
    const agent = await spawn('resp-a');
    const hidden = Buffer.from(`aws=${AWS_KEY}`).toString('base64');
    const content = `AWS_ACCESS_KEY_ID=${AWS_KEY}\nnote: blob ${hidden} (b64)\n`;
    expect((await agent.call('filesystem_write_file', { path: 'creds.env', content })).isError).toBe(false);
    const read = await agent.call('filesystem_read_file', { path: 'creds.env' });
    expect(read.isError).toBe(false);
    expect(read.text).toBe('AWS_ACCESS_KEY_ID=[REDACTED]\nnote: blob [REDACTED] (b64)\n');
    expect(findLeaks(read.text, AWS_KEY)).toEqual([]);
    expect(await auditOf(agent, 'response_filter_redacted')).toEqual([
      expect.objectContaining({
        tool: 'filesystem_read_file',
        filter_name: 'aws-access-key',
        count: 1,
        decoded_count: 0,
      }),
    ]);

    const pem =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    expect((await agent.call('filesystem_write_file', { path: 'id_ed25519', content: pem })).isError).toBe(
      false,
    );
    const blocked = await agent.call('filesystem_read_file', { path: 'id_ed25519' });
    expect(blocked.isError).toBe(true);
    expect(blocked.text).toBe("tool response from 'filesystem_read_file' blocked by response filter policy");
    expect(await auditOf(agent, 'response_filter_blocked')).toEqual([
      expect.objectContaining({
        tool: 'filesystem_read_file',
        filter_name: 'private-key',
        matched_on: 'raw',
      }),
    ]);
  });

  it('approval: refused with an id, listed, approved once for the exact call, rejected with a reason', async () => {
    const agent = await spawn('hitl-a');
    for (const name of ['doomed.txt', 'other.txt']) {
      expect((await agent.call('filesystem_write_file', { path: name, content: name })).isError).toBe(false);
    }
    const doomed = { path: 'doomed.txt' };
    const other = { path: 'other.txt' };

    const first = await agent.call('filesystem_delete_file', doomed);
    expect(first.isError).toBe(true);
    const id = approvalIdOf(first);
    expect(id).toMatch(/^hitl-a\.[0-9a-f]{12}$/);
    expect(first.text).toBe(
      `Tool call to 'filesystem_delete_file' requires operator approval (approval ID: ${id}). ` +
        `Ask the operator to run: scoped-mcp hitl --manifest ${guardedManifest} approve ${id} — then retry ` +
        'this exact tool call with the same arguments within 120 seconds.',
    );
    // Retrying while it waits: the same id, the operator is not paged again.
    const again = await agent.call('filesystem_delete_file', doomed);
    expect(again.text).toContain(`is still waiting for operator approval (approval ID: ${id})`);
    const otherId = approvalIdOf(await agent.call('filesystem_delete_file', other));
    expect(otherId).not.toBe(id);

    const list = await hitl('list');
    expect(list.code, list.stderr).toBe(0);
    const rows = list.stdout.split('\n').filter((row) => row.includes('agent=hitl-a'));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(
      new RegExp(`^${id.replace('.', '\\.')}  agent=hitl-a  tool=filesystem_delete_file  expires_in=\\d+s$`),
    );
    expect(rows[1]).toContain(otherId);

    const approve = await hitl('approve', id);
    expect([approve.code, approve.stdout.trim()]).toEqual([0, `approved: ${id}`]);
    expect(existsSync(agentFile('hitl-a', 'doomed.txt'))).toBe(true);

    // Other arguments do not consume the token: that call is still waiting for its own approval.
    const otherRetry = await agent.call('filesystem_delete_file', other);
    expect(otherRetry.text).toContain(`is still waiting for operator approval (approval ID: ${otherId})`);
    expect(existsSync(agentFile('hitl-a', 'other.txt'))).toBe(true);

    const retry = await agent.call('filesystem_delete_file', doomed);
    expect(retry.isError, retry.text).toBe(false);
    expect(existsSync(agentFile('hitl-a', 'doomed.txt'))).toBe(false);

    // The token was single-use: the same call again needs a new approval.
    const second = await agent.call('filesystem_delete_file', doomed);
    expect(second.isError).toBe(true);
    const secondId = approvalIdOf(second);
    expect(secondId).not.toBe(id);
    expect(second.text).toContain('requires operator approval');

    const reapprove = await hitl('approve', id);
    expect(reapprove.code).toBe(3);
    expect(reapprove.stderr).toContain(`no pending approval with ID '${id}'`);
    const malformed = await hitl('approve', 'hitl-a.nothex');
    expect(malformed.code).toBe(2);
    const usage = await hitl('approve');
    expect(usage.code).toBe(1);

    const reject = await hitl('reject', otherId, 'not', 'today');
    expect([reject.code, reject.stdout.trim()]).toEqual([0, `rejected: ${otherId}`]);
    const rejected = await agent.call('filesystem_delete_file', other);
    expect(rejected.isError).toBe(true);
    expect(rejected.text).toBe(
      `Tool call to 'filesystem_delete_file' was rejected by the operator (approval ID: ${otherId}): not today`,
    );
    expect(existsSync(agentFile('hitl-a', 'other.txt'))).toBe(true);
    // Reported once; the next identical call asks afresh.
    const afterReject = await agent.call('filesystem_delete_file', other);
    expect(afterReject.text).toContain('requires operator approval');
    expect(approvalIdOf(afterReject)).not.toBe(otherId);

    const events = (await readJsonl(agent.auditLog!))
      .filter((l) => typeof l.event === 'string' && l.event.startsWith('hitl_'))
      .map((l) => [l.event, l.approval_id]);
    expect(events).toEqual([
      ['hitl_approval_pending', id],
      ['hitl_approval_required', id],
      ['hitl_approval_still_pending', id],
      ['hitl_approval_pending', otherId],
      ['hitl_approval_required', otherId],
      ['hitl_approval_still_pending', otherId],
      ['hitl_preapproved', id],
      ['hitl_approval_pending', secondId],
      ['hitl_approval_required', secondId],
      ['hitl_rejection_reported', otherId],
      ['hitl_approval_pending', approvalIdOf(afterReject)],
      ['hitl_approval_required', approvalIdOf(afterReject)],
    ]);
    expect(await auditOf(agent, 'hitl_rejection_reported')).toEqual([
      expect.objectContaining({ tool: 'filesystem_delete_file', reason: 'not today' }),
    ]);
    const codes = (await auditOf(agent, 'tool_error')).map((l) => l.error_code);
    expect(new Set(codes)).toEqual(new Set(['SMCP_HITL_APPROVAL_REQUIRED', 'SMCP_HITL_REJECTED']));
  });

  it('approval: the operator reads the whole statement, so a long value cannot hide what it also changes', async () => {
    const agent = await spawn('hitl-sql');
    const approved = async (args: { sql: string }) => {
      const id = approvalIdOf(await agent.call('sqlite_execute', args));
      expect((await hitl('approve', id)).code).toBe(0);
      const ran = await agent.call('sqlite_execute', args);
      expect(ran.isError, ran.text).toBe(false);
    };
    await approved({ sql: 'CREATE TABLE acct (id INTEGER PRIMARY KEY, note TEXT, balance INTEGER)' });
    await approved({ sql: "INSERT INTO acct (note, balance) VALUES ('a', 100), ('b', 250)" });

    const sql = `UPDATE acct SET note='${'x'.repeat(600)}', balance = 0`;
    const id = approvalIdOf(await agent.call('sqlite_execute', { sql }));
    // The audit line keeps the sanitised summary, cut where the sanitiser cuts...
    const [pending] = (await auditOf(agent, 'hitl_approval_pending')).filter((l) => l.approval_id === id);
    expect(JSON.stringify(pending?.arguments_summary)).toContain('...<truncated');
    expect(JSON.stringify(pending?.arguments_summary)).not.toContain('balance = 0');
    // ...while what the operator is shown is the statement that will run, whole.
    const shown = await hitl('show', id);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`  "sql": ${JSON.stringify(sql)}`);
    expect(shown.stdout).toContain('tool:       sqlite_execute');
    const listed = await hitl('list');
    expect(listed.stdout).toContain(
      `read them in full with: scoped-mcp hitl --manifest ${guardedManifest} show ${id}`,
    );

    expect((await hitl('approve', id)).code).toBe(0);
    expect((await agent.call('sqlite_execute', { sql })).isError).toBe(false);
    const balances = await agent.call('sqlite_query', { sql: 'SELECT balance FROM acct ORDER BY id' });
    expect(balances.text).toContain('"balance":0');
  });

  it('a shadowed tool answers with a synthetic success and never runs', async () => {
    const agent = await spawn('shadow-a');
    const result = await agent.call('sqlite_create_table', {
      name: 'shadowed',
      columns: { id: 'INTEGER PRIMARY KEY' },
    });
    expect(result.isError, result.text).toBe(false);
    expect(result.json()).toEqual({ shadow: true, message: 'tool call shadowed — no upstream invocation' });
    const tables = await agent.call('sqlite_list_tables', {});
    expect(tables.isError, tables.text).toBe(false);
    expect(tables.text).not.toContain('shadowed');
    expect(await auditOf(agent, 'hitl_shadowed')).toEqual([
      expect.objectContaining({
        tool: 'sqlite_create_table',
        arguments_summary: { name: 'shadowed', columns: { id: 'INTEGER PRIMARY KEY' } },
      }),
    ]);
  });

  it('Redis stopped mid-run: calls fail closed with a clear error; after a restart they work again', async () => {
    const agent = await spawn('outage-a');
    expect((await agent.call('filesystem_list_dir', {})).isError).toBe(false);
    await redis.kill();

    const limited = await agent.call('filesystem_list_dir', {});
    expect([limited.isError, limited.text]).toEqual([true, FAIL_CLOSED]);
    const gated = await agent.call('filesystem_delete_file', { path: 'x.txt' });
    expect([gated.isError, gated.text]).toEqual([true, FAIL_CLOSED]);
    expect(await auditOf(agent, 'rate_limit_backend_error')).toHaveLength(2);
    const listDown = await hitl('list');
    expect(listDown.code).toBe(1);
    expect(listDown.stderr).toMatch(/^error: /);

    redis = await fixture.startRedisServer({ port: redis.port, password: PASSWORD });
    let recovered = false;
    const deadline = Date.now() + 10_000;
    while (!recovered && Date.now() < deadline) {
      recovered = !(await agent.call('scoped_mcp_status', {})).isError;
      if (!recovered) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(recovered).toBe(true);
    expect((await agent.call('filesystem_list_dir', {})).isError).toBe(false);
    const gatedAgain = await agent.call('filesystem_delete_file', { path: 'x.txt' });
    expect(gatedAgain.text).toContain('requires operator approval');
    const ops = (await readJsonl(agent.opsLog!)).map((l) => l.event);
    expect(ops).toContain('state_backend_unavailable');
    expect(ops).toContain('state_backend_recovered');
  });

  it('Redis unreachable at startup: the server starts and every call fails closed', async () => {
    const deadUrl = `redis://:${PASSWORD}@127.0.0.1:${await fixture.freePort()}/0`;
    const agent = await startInMemoryAgent({
      manifest: guardedManifest,
      dir,
      agentId: 'no-redis',
      env: guardedEnv(dir, deadUrl),
    });
    agents.push(agent);
    for (const [tool, args] of [
      ['filesystem_list_dir', {}],
      ['filesystem_delete_file', { path: 'x.txt' }],
    ] as const) {
      const result = await agent.call(tool, args);
      expect([result.isError, result.text]).toEqual([true, FAIL_CLOSED]);
    }
    const ops = await readJsonl(agent.opsLog!);
    expect(ops).toContainEqual(
      expect.objectContaining({
        event: 'state_backend_unavailable',
        url: deadUrl.replace(`:${PASSWORD}@`, ''),
      }),
    );
  });

  it('no audit or ops line repeats a key, and nothing printed or logged holds the Redis password', async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    const logs = (await readdir(dir)).filter((name) => name.endsWith('.jsonl'));
    expect(logs.length).toBeGreaterThanOrEqual(agents.length * 2);
    let lines = 0;
    const duplicated = new Set<string>();
    for (const name of logs) {
      const text = await readFile(join(dir, name), 'utf8');
      for (const line of text.split('\n').filter(Boolean)) {
        lines++;
        const keys = duplicateKeys(line);
        const event = (JSON.parse(line) as JsonRecord).event;
        if (keys.length > 0) duplicated.add(`${name.split('-')[0]} ${String(event)}: ${keys.join(', ')}`);
      }
      expect(findLeaks(text, PASSWORD), name).toEqual([]);
    }
    expect(lines).toBeGreaterThan(100);
    expect([...duplicated].sort()).toEqual([]);
    for (const agent of agents) expect(findLeaks(agent.connection.sent.join('\n'), PASSWORD)).toEqual([]);
    for (const run of cliRuns) expect(findLeaks(run.stdout + run.stderr, PASSWORD)).toEqual([]);
  });
});
