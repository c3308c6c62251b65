import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl } from '../helpers/jsonl.js';
import { researchManifest } from '../helpers/paths.js';
import { type InMemoryAgent, startInMemoryAgent } from '../helpers/in-memory-agent.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/** A `mode: read` agent has no write tools at all: calling one is an unknown tool, and audited as such. */
describe('read-only research agent', () => {
  let dir: string;
  let agent: InMemoryAgent;

  beforeAll(async () => {
    dir = await makeTempDir('read-only');
    agent = await startInMemoryAgent({
      manifest: researchManifest,
      dir,
      agentId: 'gamma',
      agentType: 'research',
    });
  });
  afterAll(async () => {
    await agent?.close();
    await removeTempDir(dir);
  });

  const writes: [string, Record<string, unknown>][] = [
    ['filesystem_write_file', { path: 'x.txt', content: 'a read-only agent wrote this' }],
    ['filesystem_delete_file', { path: 'x.txt' }],
    ['sqlite_execute', { sql: 'CREATE TABLE t (x INTEGER)' }],
    ['sqlite_create_table', { name: 't', columns: { x: 'INTEGER' } }],
  ];

  it.each(writes)('%s is an unknown tool (isError) and writes nothing', async (tool, args) => {
    const result = await agent.call(tool, args);
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/unknown tool/i);
    expect(result.text).toContain(tool);
    const agentDir = join(dir, 'files', 'agents', 'gamma');
    expect(await readdir(agentDir).catch(() => [])).toEqual([]);
  });

  it('read tools cannot be talked into writing either', async () => {
    for (const sql of [
      'CREATE TABLE t (x INTEGER)',
      'INSERT INTO sqlite_schema VALUES (1, 2, 3, 4, 5)',
      'WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x',
    ]) {
      const result = await agent.call('sqlite_query', { sql });
      expect(result.isError, sql).toBe(true);
    }
    const tables = await agent.call('sqlite_list_tables', {});
    expect(tables.isError).toBe(false);
    expect(tables.json()).toEqual([]);
  });

  it('every refused call is in the audit log as a tool_error with status error', async () => {
    const lines = await readJsonl(agent.auditLog!);
    for (const [tool] of writes) {
      const line = lines.find((l) => l.tool === tool);
      expect(line, tool).toMatchObject({
        event: 'tool_error',
        status: 'error',
        agent_id: 'gamma',
        agent_type: 'research',
        logger: 'audit',
      });
    }
  });
});
