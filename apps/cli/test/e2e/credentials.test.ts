import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonl } from '../helpers/jsonl.js';
import { findLeaks } from '../helpers/leaks.js';
import { startInMemoryAgent } from '../helpers/in-memory-agent.js';
import { fixturesDir } from '../helpers/paths.js';
import { spawnAgent, type ToolOutcome } from '../helpers/spawn-agent.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const manifest = join(fixturesDir, 'canary-agent.yml');

/** Every tool of every module, each good call and a few failing ones. */
const SESSION: [string, Record<string, unknown>][] = [
  ['scoped_mcp_status', {}],
  ['canary_credential_keys', {}],
  ['canary_token_fingerprint', {}],
  ['canary_return_plain', {}],
  ['canary_return_embedded', {}],
  ['canary_return_base64', {}],
  ['canary_return_base64_embedded', {}],
  ['canary_return_base64url', {}],
  ['canary_return_percent', {}],
  ['canary_return_json', {}],
  ['canary_return_structured', {}],
  ['canary_throw_plain', {}],
  ['canary_throw_string', {}],
  ['canary_throw_cause', {}],
  ['canary_throw_scope', {}],
  ['canary_throw_input', {}],
  ['canary_log_it', {}],
  ['canary_return_plain', { unexpected: 'argument' }],
  ['filesystem_write_file', { path: 'notes/a.txt', content: 'hello' }],
  ['filesystem_read_file', { path: 'notes/a.txt' }],
  ['filesystem_list_dir', { path: 'notes' }],
  ['filesystem_delete_file', { path: 'notes/a.txt' }],
  ['filesystem_read_file', { path: 'notes/a.txt' }],
  ['filesystem_read_file', { path: '../other/secret.txt' }],
  ['filesystem_read_file', { path: 5 }],
  ['sqlite_create_table', { name: 'findings', columns: { id: 'INTEGER PRIMARY KEY', text: 'TEXT' } }],
  ['sqlite_execute', { sql: 'INSERT INTO findings (text) VALUES (?)', params: ['row'] }],
  ['sqlite_query', { sql: 'SELECT * FROM findings' }],
  ['sqlite_list_tables', {}],
  ['sqlite_query', { sql: 'SELEC nonsense' }],
  ['sqlite_query', { sql: "ATTACH DATABASE '/tmp/x.db' AS x" }],
  ['no_such_tool', {}],
];

// With log files the server runs in memory: its channels are the results, every message it sent and the
// two logs. With logs on stderr it is the CLI process: stdout and stderr are what it wrote.
describe.each([
  ['audit and ops log files', true],
  ['logs on stderr', false],
])('credential canary (%s)', (_label, logFiles) => {
  const canary = `canary-${randomUUID()}-p/q+r&s"t`;
  const undeclared = `undeclared-${randomUUID()}`;
  let dir: string;
  let close: (() => Promise<void>) | undefined;
  const results = new Map<string, ToolOutcome>();
  let channels: Record<string, string>;

  beforeAll(async () => {
    dir = await makeTempDir('canary');
    const options = {
      manifest,
      dir,
      agentId: 'canary-01',
      agentType: 'canary',
      env: { CANARY_TOKEN: canary, CANARY_UNDECLARED: undeclared, SCOPED_MCP_LOG_LEVEL: 'debug' },
    };
    const agent = logFiles ? await startInMemoryAgent(options) : await spawnAgent({ ...options, logFiles });
    close = () => agent.close();
    const texts: string[] = [];
    for (const [tool, args] of SESSION) {
      const result = await agent.call(tool, args);
      if (!results.has(tool)) results.set(tool, result);
      texts.push(JSON.stringify(result.raw));
    }
    await agent.close();
    channels =
      'connection' in agent
        ? {
            'tool results': texts.join('\n'),
            'every MCP message the server sent': agent.connection.sent.join('\n'),
            'audit log': await readFile(agent.auditLog, 'utf8'),
            'ops log': await readFile(agent.opsLog, 'utf8'),
          }
        : {
            'tool results': texts.join('\n'),
            'client stdout (every MCP frame)': agent.stdout(),
            stderr: agent.stderr(),
          };
  });
  afterAll(async () => {
    await close?.();
    await removeTempDir(dir);
  });

  it('the module really received the credential, and only the one it declared', () => {
    expect(results.get('canary_credential_keys')?.json()).toEqual(['CANARY_TOKEN']);
    expect(results.get('canary_token_fingerprint')?.text).toBe(
      createHash('sha256').update(canary).digest('hex'),
    );
  });

  it('the session really ran: leak attempts were made and logged', () => {
    expect(results.get('canary_log_it')).toMatchObject({ isError: false, text: 'logged' });
    expect(results.get('canary_throw_plain')?.isError).toBe(true);
    expect(results.get('canary_throw_scope')?.isError).toBe(true);
    expect(results.get('filesystem_list_dir')?.isError).toBe(false);
    expect(results.get('sqlite_query')?.isError).toBe(false);
    const logs = logFiles ? `${channels['audit log']}\n${channels['ops log']}` : channels.stderr!;
    const events = parseJsonl(logs).map((line) => String(line.event));
    expect(events).toEqual(expect.arrayContaining(['leak attempt: field', 'tool_call', 'scope_violation']));
    // Logged at debug level: SCOPED_MCP_LOG_LEVEL reached the server, so every leak attempt was written.
    expect(events).toContain('leak attempt: debug');
    expect(events.some((e) => e.startsWith('setup'))).toBe(true);
    expect(events.some((e) => e.startsWith('teardown'))).toBe(true);
  });

  const leakTools = [...new Set(SESSION.map(([tool]) => tool).filter((tool) => tool.startsWith('canary_')))];

  it.each(leakTools)('%s: the agent gets a result without the credential', (tool) => {
    const result = results.get(tool)!;
    expect(findLeaks(JSON.stringify(result.raw), canary)).toEqual([]);
  });

  const channelNames = logFiles
    ? ['tool results', 'every MCP message the server sent', 'audit log', 'ops log']
    : ['tool results', 'client stdout (every MCP frame)', 'stderr'];

  it.each(channelNames)('the credential is nowhere in the %s, in any encoding', (channel) => {
    expect(channels[channel]).toBeDefined();
    expect(findLeaks(channels[channel]!, canary)).toEqual([]);
  });

  it.each(channelNames)('a credential no module declared is nowhere in the %s', (channel) => {
    expect(findLeaks(channels[channel]!, undeclared)).toEqual([]);
  });
});
