import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { readErrorMeta } from '@scoped-mcp/core';
import { openScopedServer, type ScopedServer } from '@scoped-mcp/core/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliPackageDir } from './helpers/paths.js';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.js';

// Every built-in tool declares an output schema. An SDK client (in memory, the SDK's own way of testing a
// server) lists them, calls each one, and its own output validation (callTool throws on structuredContent
// that is missing or does not match) accepts every result; an error result of such a tool does not trip it.

const BUILT_IN_TOOLS = [
  'files_read_file',
  'files_list_dir',
  'files_write_file',
  'files_delete_file',
  'db_query',
  'db_list_tables',
  'db_execute',
  'db_create_table',
  'scoped_mcp_status',
];

describe('built-in tools and an SDK client', () => {
  let dir: string;
  let server: ScopedServer;
  let client: Client;

  beforeAll(async () => {
    dir = await makeTempDir('output');
    const manifest = join(dir, 'agent.json');
    await writeFile(
      manifest,
      JSON.stringify({
        agent_type: 'builder',
        modules: {
          files: { type: 'filesystem', config: { base_path: join(dir, 'files') } },
          db: { type: 'sqlite', config: { db_dir: join(dir, 'db') } },
        },
      }),
    );
    server = await openScopedServer({
      manifestPath: manifest,
      auditLog: join(dir, 'audit.jsonl'),
      opsLog: join(dir, 'ops.jsonl'),
      cliDir: cliPackageDir,
      env: { AGENT_ID: 'builder-1', AGENT_TYPE: 'builder' },
      version: '0.0.0-test',
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    client = new Client({ name: 'output-schema-test', version: '0.0.0' });
    await Promise.all([server.connect(serverSide, 'memory'), client.connect(clientSide)]);
  });

  afterAll(async () => {
    await client?.close();
    await server?.close();
    await removeTempDir(dir);
  });

  it('lists an object outputSchema for every tool', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...BUILT_IN_TOOLS].sort());
    for (const tool of tools) expect(tool.outputSchema?.type, tool.name).toBe('object');
  });

  it('calls each one; the client validates every structured result, and the text stays as before', async () => {
    const call = async (name: string, args: Record<string, unknown>) => {
      const result = await client.callTool({ name, arguments: args });
      expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
      const [block] = result.content as { type: string; text: string }[];
      return { structured: result.structuredContent, text: block?.text };
    };
    expect(await call('files_write_file', { path: 'notes/a.txt', content: 'hello' })).toEqual({
      structured: { result: true },
      text: 'true',
    });
    expect(await call('files_read_file', { path: 'notes/a.txt' })).toEqual({
      structured: { result: 'hello' },
      text: 'hello',
    });
    expect(await call('files_list_dir', { path: 'notes' })).toEqual({
      structured: { entries: ['a.txt'], total: 1, truncated: false },
      text: '["a.txt"]',
    });
    expect(await call('files_delete_file', { path: 'notes/a.txt' })).toEqual({
      structured: { result: true },
      text: 'true',
    });
    expect(
      await call('db_create_table', { name: 'notes', columns: { id: 'INTEGER PRIMARY KEY', body: 'TEXT' } }),
    ).toEqual({ structured: { result: true }, text: 'true' });
    expect(await call('db_execute', { sql: 'INSERT INTO notes (body) VALUES (?)', params: ['x'] })).toEqual({
      structured: { changes: 1, last_insert_rowid: 1 },
      text: '1',
    });
    expect(
      await call('db_execute', {
        sql: 'INSERT INTO notes (body) VALUES (?) RETURNING id, body',
        params: ['y'],
      }),
    ).toEqual({
      structured: { changes: 1, last_insert_rowid: 2, rows: [{ id: 2, body: 'y' }] },
      text: '{"changes":1,"last_insert_rowid":2,"rows":[{"id":2,"body":"y"}]}',
    });
    expect(await call('db_query', { sql: "SELECT id, body, x'00ff' AS b FROM notes ORDER BY id" })).toEqual({
      structured: {
        result: [
          { id: 1, body: 'x', b: { $blob_base64: 'AP8=' } },
          { id: 2, body: 'y', b: { $blob_base64: 'AP8=' } },
        ],
      },
      text: '[{"id":1,"body":"x","b":{"$blob_base64":"AP8="}},{"id":2,"body":"y","b":{"$blob_base64":"AP8="}}]',
    });
    expect(await call('db_list_tables', {})).toEqual({
      structured: { result: ['notes'] },
      text: '["notes"]',
    });
    const status = await call('scoped_mcp_status', {});
    expect(status.structured).toEqual(JSON.parse(status.text ?? ''));
    expect(status.structured).toMatchObject({ healthy: true, total_count: 2 });
  });

  it('reads an error of such a tool without tripping its validation: text for the agent, code in _meta', async () => {
    const missing = await client.callTool({ name: 'files_read_file', arguments: { path: 'nope.txt' } });
    expect(missing.isError).toBe(true);
    expect(missing.structuredContent).toBeUndefined();
    expect(missing.content).toEqual([{ type: 'text', text: 'File not found: nope.txt' }]);
    expect(readErrorMeta(missing)).toEqual({ code: 'SMCP_TOOL_INPUT' });

    const outside = await client.callTool({ name: 'files_read_file', arguments: { path: '../x' } });
    expect(readErrorMeta(outside)).toEqual({ code: 'SMCP_SCOPE_VIOLATION' });

    const attach = await client.callTool({ name: 'db_query', arguments: { sql: "ATTACH 'x.db' AS x" } });
    expect(attach.isError).toBe(true);
    expect(readErrorMeta(attach)?.code).toBe('SMCP_SCOPE_VIOLATION');

    const unknown = await client.callTool({ name: 'files_nope', arguments: {} });
    expect(readErrorMeta(unknown)).toEqual({ code: 'SMCP_TOOL_NOT_FOUND' });
  });
});
