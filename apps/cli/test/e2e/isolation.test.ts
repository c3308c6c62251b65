import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl } from '../helpers/jsonl.js';
import { buildManifest } from '../helpers/paths.js';
import { pick, snapshotTree } from '../helpers/snapshot.js';
import { type InMemoryAgent, startInMemoryAgent } from '../helpers/in-memory-agent.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/** Two agents of one type, one manifest, one data directory: each must only ever reach its own data. */
describe('two agents on the same manifest and data directory', () => {
  let dir: string;
  let alpha: InMemoryAgent;
  let beta: InMemoryAgent;
  let betaRoot: string;
  let betaDb: string;
  let outsideAlpha: () => Promise<Record<string, string>>;
  let before: Record<string, string>;

  async function ok(agent: InMemoryAgent, tool: string, args: Record<string, unknown>): Promise<string> {
    const result = await agent.call(tool, args);
    expect(result.isError, `${tool} ${JSON.stringify(args)}: ${result.text}`).toBe(false);
    return result.text;
  }

  beforeAll(async () => {
    dir = await makeTempDir('isolation');
    betaRoot = join(dir, 'files', 'agents', 'beta');
    betaDb = join(dir, 'sqlite', 'agent_beta.db');
    [alpha, beta] = await Promise.all([
      startInMemoryAgent({ manifest: buildManifest, dir, agentId: 'alpha' }),
      startInMemoryAgent({ manifest: buildManifest, dir, agentId: 'beta' }),
    ]);
    await ok(alpha, 'filesystem_write_file', { path: 'notes/plan.txt', content: 'alpha private plan' });
    await ok(beta, 'filesystem_write_file', { path: 'notes/plan.txt', content: 'beta private plan' });
    await ok(beta, 'filesystem_write_file', { path: 'beta-only.txt', content: 'only beta has this' });
    const columns = { id: 'INTEGER PRIMARY KEY', body: 'TEXT' };
    await ok(alpha, 'sqlite_create_table', { name: 'alpha_notes', columns });
    await ok(alpha, 'sqlite_execute', {
      sql: 'INSERT INTO alpha_notes (body) VALUES (?)',
      params: ['alpha row'],
    });
    await ok(beta, 'sqlite_create_table', { name: 'beta_notes', columns });
    await ok(beta, 'sqlite_execute', {
      sql: 'INSERT INTO beta_notes (body) VALUES (?)',
      params: ['beta row'],
    });
    // Everything in the data directory that is not alpha's own (or a log): no attack may change any of it.
    outsideAlpha = async () =>
      pick(
        await snapshotTree(dir),
        (path) =>
          !path.startsWith('files/agents/alpha') &&
          !path.startsWith('sqlite/agent_alpha.db') &&
          !/^(audit|ops)-/.test(path),
      );
    before = await outsideAlpha();
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining([
        'files/agents/beta/notes/plan.txt',
        'files/agents/beta/beta-only.txt',
        'sqlite/agent_beta.db',
      ]),
    );
  });

  afterAll(async () => {
    await Promise.all([alpha?.close(), beta?.close()]);
    await removeTempDir(dir);
  });

  it('each reads back only its own file at the same relative path, stored under its own directory', async () => {
    expect(await ok(alpha, 'filesystem_read_file', { path: 'notes/plan.txt' })).toBe('alpha private plan');
    expect(await ok(beta, 'filesystem_read_file', { path: 'notes/plan.txt' })).toBe('beta private plan');
    expect(await readFile(join(dir, 'files/agents/alpha/notes/plan.txt'), 'utf8')).toBe('alpha private plan');
    expect(await readFile(join(betaRoot, 'notes/plan.txt'), 'utf8')).toBe('beta private plan');
  });

  it("list_dir never shows alpha the other agent's entries", async () => {
    const alphaRoot = await ok(alpha, 'filesystem_list_dir', { path: '' });
    const alphaNotes = await ok(alpha, 'filesystem_list_dir', { path: 'notes' });
    const betaList = await ok(beta, 'filesystem_list_dir', {});
    expect(alphaRoot).toContain('notes');
    expect(alphaRoot).not.toContain('beta-only');
    expect(alphaNotes).toContain('plan.txt');
    expect(betaList).toContain('beta-only.txt');
    expect(betaList).toContain('notes');
  });

  it('each sees only its own tables and rows', async () => {
    const alphaTables = await ok(alpha, 'sqlite_list_tables', {});
    const betaTables = await ok(beta, 'sqlite_list_tables', {});
    expect(alphaTables).toContain('alpha_notes');
    expect(alphaTables).not.toContain('beta_notes');
    expect(betaTables).toContain('beta_notes');
    expect(betaTables).not.toContain('alpha_notes');
    expect(await ok(alpha, 'sqlite_query', { sql: 'SELECT body FROM alpha_notes' })).toContain('alpha row');
    const probe = await alpha.call('sqlite_query', { sql: 'SELECT body FROM beta_notes' });
    expect(probe.isError).toBe(true);
    expect(probe.text).not.toContain('beta row');
  });

  // [tool, arguments, relative-path attack?] — a relative attack's error must not show any host path.
  const fsAttacks: [string, (root: string) => Record<string, unknown>, boolean][] = [
    ['filesystem_read_file', () => ({ path: '../beta/notes/plan.txt' }), true],
    ['filesystem_read_file', () => ({ path: 'notes/../../beta/notes/plan.txt' }), true],
    ['filesystem_read_file', (root) => ({ path: `${root}/notes/plan.txt` }), false],
    ['filesystem_read_file', () => ({ path: '../../agents/beta/notes/plan.txt' }), true],
    ['filesystem_list_dir', () => ({ path: '../beta' }), true],
    ['filesystem_list_dir', (root) => ({ path: root }), false],
    ['filesystem_list_dir', () => ({ path: '..' }), true],
    ['filesystem_write_file', () => ({ path: '../beta/notes/plan.txt', content: 'pwned by alpha' }), true],
    [
      'filesystem_write_file',
      (root) => ({ path: `${root}/notes/plan.txt`, content: 'pwned by alpha' }),
      false,
    ],
    ['filesystem_write_file', () => ({ path: '../beta/planted.txt', content: 'pwned by alpha' }), true],
    ['filesystem_delete_file', () => ({ path: '../beta/beta-only.txt' }), true],
    ['filesystem_delete_file', (root) => ({ path: `${root}/beta-only.txt` }), false],
  ];

  it.each(fsAttacks)('refuses %s %j reaching into beta', async (tool, args, relative) => {
    const result = await alpha.call(tool, args(betaRoot));
    expect(result.isError, result.text).toBe(true);
    expect(result.text).not.toContain('beta private plan');
    expect(result.text).not.toContain('only beta has this');
    expect(result.text.split('\n')).toHaveLength(1);
    if (relative) expect(result.text).not.toContain(dir);
    expect(await outsideAlpha()).toEqual(before);
  });

  const sqlAttacks: [string, (db: string) => Record<string, unknown>][] = [
    ['sqlite_query', (db) => ({ sql: `ATTACH DATABASE '${db}' AS b` })],
    ['sqlite_execute', (db) => ({ sql: `ATTACH DATABASE '${db}' AS b` })],
    ['sqlite_execute', (db) => ({ sql: `/* harmless */ attach\n'${db}'   as "b"` })],
    ['sqlite_execute', (db) => ({ sql: 'ATTACH ? AS b', params: [db] })],
    ['sqlite_query', () => ({ sql: 'SELECT body FROM b.beta_notes' })],
    ['sqlite_execute', (db) => ({ sql: `VACUUM INTO '${db}'` })],
    ['sqlite_execute', (db) => ({ sql: `VACUUM INTO '${db}.copy'` })],
  ];

  it.each(sqlAttacks)("refuses %s %j on beta's database", async (tool, args) => {
    const result = await alpha.call(tool, args(betaDb));
    expect(result.isError, result.text).toBe(true);
    expect(result.text.split('\n')).toHaveLength(1);
    expect(result.text).not.toContain('beta row');
    expect(await outsideAlpha()).toEqual(before);
  });

  it('never lets an ATTACH through: beta stays invisible from alpha afterwards', async () => {
    for (const sql of [`ATTACH DATABASE '${betaDb}' AS b`, `ATTACH '${betaDb}' AS b`]) {
      expect((await alpha.call('sqlite_query', { sql })).isError).toBe(true);
      expect((await alpha.call('sqlite_execute', { sql })).isError).toBe(true);
    }
    const probe = await alpha.call('sqlite_query', { sql: 'SELECT body FROM b.beta_notes' });
    expect(probe.isError).toBe(true);
    expect(await ok(alpha, 'sqlite_list_tables', {})).not.toContain('beta_notes');
  });

  it("leaves beta's files and database exactly as they were", async () => {
    expect(await outsideAlpha()).toEqual(before);
    await expect(access(join(betaRoot, 'planted.txt'))).rejects.toThrow();
    await expect(access(`${betaDb}.copy`)).rejects.toThrow();
    expect(await ok(beta, 'filesystem_read_file', { path: 'notes/plan.txt' })).toBe('beta private plan');
    expect(await ok(beta, 'filesystem_read_file', { path: 'beta-only.txt' })).toBe('only beta has this');
    const rows = await ok(beta, 'sqlite_query', { sql: 'SELECT body FROM beta_notes ORDER BY id' });
    expect(JSON.parse(rows)).toEqual([{ body: 'beta row' }]);
  });

  it("every filesystem escape is in alpha's audit log as a blocked scope_violation", async () => {
    const blocked = (await readJsonl(alpha.auditLog!)).filter((line) => line.event === 'scope_violation');
    for (const [tool, args] of fsAttacks) {
      const { path } = args(betaRoot);
      const line = blocked.find((l) => l.tool === tool && (l.args as { path?: unknown }).path === path);
      expect(line, `${tool} ${String(path)}`).toMatchObject({ status: 'blocked', agent_id: 'alpha' });
    }
  });
});
