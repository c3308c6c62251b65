import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureOutput } from '../../src/__fixtures__/capture-output.js';
import { main } from '../../src/main.js';
import { duplicateKeys, type JsonRecord, parseJsonl, readJsonl } from '../helpers/jsonl.js';
import { buildManifest } from '../helpers/paths.js';
import { type InMemoryAgent, startInMemoryAgent } from '../helpers/in-memory-agent.js';
import { type SpawnedAgent, spawnAgent } from '../helpers/spawn-agent.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const GITHUB_TOKEN = `ghp_${'A1b2C3d4E5'.repeat(4)}`;

type Expect = 'ok' | 'blocked' | 'error';
const SESSION: [string, Record<string, unknown>, Expect][] = [
  ['filesystem_write_file', { path: 'notes/a.txt', content: `deploy with ${GITHUB_TOKEN}` }, 'ok'],
  ['filesystem_read_file', { path: 'notes/a.txt' }, 'ok'],
  ['filesystem_list_dir', { path: '' }, 'ok'],
  ['sqlite_create_table', { name: 'users', columns: { id: 'INTEGER PRIMARY KEY', password: 'TEXT' } }, 'ok'],
  ['sqlite_execute', { sql: 'INSERT INTO users (password) VALUES (?)', params: ['x'] }, 'ok'],
  ['sqlite_query', { sql: 'SELECT id FROM users' }, 'ok'],
  ['scoped_mcp_status', {}, 'ok'],
  ['filesystem_read_file', { path: '../other-agent/notes.txt' }, 'blocked'],
  ['filesystem_write_file', { path: '/etc/scoped-mcp-e2e.txt', content: 'x' }, 'blocked'],
  ['sqlite_query', { sql: "ATTACH DATABASE '/tmp/other.db' AS o" }, 'blocked'],
  ['filesystem_read_file', { path: 'missing.txt' }, 'error'],
  ['filesystem_read_file', { path: 'notes/a.txt', password: 'hunter2-in-args' }, 'error'],
];

/** `scoped-mcp audit verify FILE`: the CLI's main in this process, output captured. */
function verify(file: string) {
  return captureOutput(async () => (await main(['audit', 'verify', file])) ?? 0);
}

const EVENT: Record<Expect, string> = { ok: 'tool_call', blocked: 'scope_violation', error: 'tool_error' };

/** Lines of the chain itself, and the line a write-mode tool writes before it runs. */
const NOT_A_RESULT = new Set(['audit_segment_start', 'audit_sealed', 'tool_call_started']);
/** The one line per call that says how it ended. */
const results = (lines: readonly JsonRecord[]) => lines.filter((l) => !NOT_A_RESULT.has(String(l.event)));
const LEVEL: Record<Expect, string> = { ok: 'info', blocked: 'warning', error: 'error' };

describe('audit and ops logs of a session', () => {
  let dir: string;
  let agent: InMemoryAgent;
  let audit: JsonRecord[];
  let auditText: string;
  const started = Date.now();

  beforeAll(async () => {
    dir = await makeTempDir('audit');
    agent = await startInMemoryAgent({
      manifest: buildManifest,
      dir,
      agentId: 'auditor-7',
      agentType: 'build',
    });
    for (const [tool, args, expected] of SESSION) {
      const result = await agent.call(tool, args);
      expect(result.isError, `${tool}: ${result.text}`).toBe(expected !== 'ok');
    }
    await agent.close();
    auditText = await readFile(agent.auditLog, 'utf8');
    audit = results(parseJsonl(auditText));
  });
  afterAll(async () => {
    await agent?.close();
    await removeTempDir(dir);
  });

  it('writes exactly one audit line per call, in order, with the right event, status and level', () => {
    expect(audit.map((l) => [l.tool, l.event, l.status, l.level])).toEqual(
      SESSION.map(([tool, , expected]) => [tool, EVENT[expected], expected, LEVEL[expected]]),
    );
  });

  it('every line carries identity, session, timing and the hash chain', () => {
    const sessionId = audit[0]?.session_id;
    expect(sessionId).toMatch(UUID);
    for (const line of audit) {
      expect(line).toMatchObject({
        logger: 'audit',
        agent_id: 'auditor-7',
        agent_type: 'build',
        session_id: sessionId,
      });
      expect(typeof line.elapsed_ms).toBe('number');
      expect(line.elapsed_ms as number).toBeGreaterThanOrEqual(0);
      const at = Date.parse(String(line.timestamp));
      expect(at).toBeGreaterThanOrEqual(started - 1000);
      expect(at).toBeLessThanOrEqual(Date.now());
      expect(line.prev).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('records arguments, sanitised: credential-like keys and token patterns are redacted', () => {
    const [write, read, , create, execute] = audit;
    expect(read?.args).toEqual({ path: 'notes/a.txt' });
    expect(execute?.args).toEqual({ sql: 'INSERT INTO users (password) VALUES (?)', params: ['x'] });
    expect(create?.args).toEqual({
      name: 'users',
      columns: { id: 'INTEGER PRIMARY KEY', password: '<redacted>' },
    });
    const content = String((write!.args as JsonRecord).content);
    expect(content).toContain('deploy with ');
    expect(content).not.toContain(GITHUB_TOKEN);
    expect(content).not.toContain(GITHUB_TOKEN.slice(4, 20));
    const withPassword = audit.at(-1)!;
    expect((withPassword.args as JsonRecord).password).toBe('<redacted>');
    expect(auditText).not.toContain('hunter2-in-args');
  });

  it('scope violations are audited as blocked, with the reason', () => {
    const blocked = audit.filter((l) => l.event === 'scope_violation');
    expect(blocked).toHaveLength(3);
    for (const line of blocked) {
      expect(line.status).toBe('blocked');
      expect(typeof line.error).toBe('string');
      expect(String(line.error).length).toBeGreaterThan(5);
    }
  });

  it('the chain starts with a segment record and ends sealed; write-mode tools announce themselves first', () => {
    const all = parseJsonl(auditText);
    expect(all[0]).toMatchObject({ event: 'audit_segment_start', reason: 'new_file', chain: 'sha256' });
    expect(all.at(-1)).toMatchObject({ event: 'audit_sealed', lines: all.length - 1 });
    const started = all.filter((l) => l.event === 'tool_call_started').map((l) => l.tool);
    // Only the calls that passed every check and reached a write tool: blocked ones were refused inside it.
    expect(started).toEqual(
      expect.arrayContaining(['filesystem_write_file', 'sqlite_create_table', 'sqlite_execute']),
    );
    expect(started).not.toContain('filesystem_read_file');
    for (const tool of started) {
      const at = all.findIndex((l) => l.event === 'tool_call_started' && l.tool === tool);
      expect(all.slice(at + 1).some((l) => l.tool === tool && !NOT_A_RESULT.has(String(l.event)))).toBe(true);
    }
  });

  it('`audit verify` accepts the untouched log', async () => {
    const run = await verify(agent.auditLog);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lineCount = auditText.split('\n').filter(Boolean).length;
    expect(run.stdout).toMatch(new RegExp(`^OK: ${lineCount} lines in 1 segment, hash chain intact`));
  });

  it('`audit verify` exits 1 when one character of a line is changed', async () => {
    const lines = auditText.split('\n');
    // The list_dir line: change one character of a value, keeping the line valid JSON.
    const target = lines.findIndex((line) => line.includes('"tool":"filesystem_list_dir"'));
    expect(lines[target]).toContain('"tool":"filesystem_list_dir"');
    lines[target] = lines[target]!.replace('"tool":"filesystem_list_dir"', '"tool":"filesystem_list_dis"');
    const tampered = join(dir, 'tampered.jsonl');
    await writeFile(tampered, lines.join('\n'));
    const run = await verify(tampered);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    // Found at the line after it (1-based: target + 2).
    expect(run.stderr).toMatch(new RegExp(`line ${target + 2}\\b`));
  });

  it('`audit verify` exits 1 when a line is deleted', async () => {
    const lines = auditText.split('\n');
    lines.splice(4, 1);
    const tampered = join(dir, 'deleted.jsonl');
    await writeFile(tampered, lines.join('\n'));
    const run = await verify(tampered);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/line 5\b/);
  });

  it('the ops log holds the server events, not the tool calls', async () => {
    const ops = await readJsonl(agent.opsLog);
    const events = ops.map((l) => l.event);
    expect(events).toEqual(expect.arrayContaining(['startup', 'server_ready']));
    for (const line of ops) {
      expect(line.logger).toBe('ops');
      expect(['tool_call', 'scope_violation']).not.toContain(line.event);
    }
  });

  it('no audit or ops line repeats a key', async () => {
    const opsText = await readFile(agent.opsLog, 'utf8');
    for (const [name, text] of [
      ['audit', auditText],
      ['ops', opsText],
    ] as const) {
      const repeated = text
        .split('\n')
        .filter((line) => line.length > 0)
        .flatMap((line) => duplicateKeys(line).map((key) => `${JSON.parse(line).event}: ${key}`));
      expect(repeated, name).toEqual([]);
    }
  });

  it('a second session appending to the same log continues the chain under a new session id', async () => {
    const second = await startInMemoryAgent({
      manifest: buildManifest,
      dir,
      agentId: 'auditor-7',
      agentType: 'build',
      auditLogPath: agent.auditLog,
    });
    try {
      expect((await second.call('filesystem_read_file', { path: 'notes/a.txt' })).isError).toBe(false);
    } finally {
      await second.close();
    }
    const all = await readJsonl(agent.auditLog);
    const lines = results(all);
    expect(lines).toHaveLength(SESSION.length + 1);
    expect(all.filter((l) => l.event === 'audit_segment_start').map((l) => l.reason)).toEqual([
      'new_file',
      'restart',
    ]);
    expect(lines.at(-1)?.session_id).toMatch(UUID);
    expect(lines.at(-1)?.session_id).not.toBe(audit[0]?.session_id);
    const run = await verify(agent.auditLog);
    expect(run.code).toBe(0);
  });
});

// What only a process shows: its stdout carries MCP frames and nothing else, and with both log files given
// it writes nothing to stderr.
describe('a session over stdio', () => {
  let dir: string;
  let agent: SpawnedAgent;

  beforeAll(async () => {
    dir = await makeTempDir('audit-stdio');
    agent = await spawnAgent({ manifest: buildManifest, dir, agentId: 'auditor-8', agentType: 'build' });
    for (const [tool, args, expected] of SESSION) {
      const result = await agent.call(tool, args);
      expect(result.isError, `${tool}: ${result.text}`).toBe(expected !== 'ok');
    }
    await agent.close();
  });
  afterAll(async () => {
    await agent?.close();
    await removeTempDir(dir);
  });

  it('stdout carried only MCP frames; stderr got nothing when both log files are given', () => {
    expect(agent.clientErrors).toEqual([]);
    const frames = agent
      .stdout()
      .split('\n')
      .filter((l) => l.length > 0);
    expect(frames.length).toBeGreaterThanOrEqual(SESSION.length + 1);
    for (const frame of frames) expect(JSON.parse(frame)).toMatchObject({ jsonrpc: '2.0' });
    expect(agent.stdout().endsWith('\n')).toBe(true);
    expect(agent.stderr()).not.toContain('"logger":"audit"');
    expect(agent.stderr()).not.toContain('"logger":"ops"');
    expect(agent.stderr()).toBe('');
  });

  it('its audit log is the same session as in memory', async () => {
    expect(results(await readJsonl(agent.auditLog!)).map((l) => [l.tool, l.event, l.status])).toEqual(
      SESSION.map(([tool, , expected]) => [tool, EVENT[expected], expected]),
    );
  });
});
