#!/usr/bin/env node
// The main job on embedded defaults: two agents with the same tools, each scoped to its own directory and
// its own SQLite file, driven over stdio by an MCP client exactly as Claude Code would; then the audit log.
// `pnpm demo` runs this file: it checks Node's version, builds the workspace, then tells the story.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeVersionProblem } from '../apps/cli/bin/node-version.js';

const problem = nodeVersionProblem(process.versions.node, process.execPath);
if (problem) {
  process.stderr.write(`${problem.replace('the command', '`pnpm demo`')}\n`);
  process.exit(1);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const turbo = join(root, 'node_modules', '.bin', 'turbo');
const built = spawnSync(turbo, ['run', 'build', '--output-logs=errors-only'], {
  cwd: root,
  stdio: 'inherit',
});
if (built.status !== 0) process.exit(built.status ?? 1);
// Loaded only now: on an unsupported Node the message above is all the user sees.
const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');
const cli = join(root, 'apps/cli/dist/bin.js');
const data = mkdtempSync(join(tmpdir(), 'scoped-mcp-demo-'));
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);

async function connect(agentId, agentType, manifest) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      cli,
      '--manifest',
      join(root, 'manifests', manifest),
      '--audit-log',
      join(data, `audit-${agentId}.jsonl`),
      // The operator's log (startup, shutdown, module events) would bury the story on the terminal.
      '--ops-log',
      join(data, `ops-${agentId}.jsonl`),
    ],
    env: {
      AGENT_ID: agentId,
      AGENT_TYPE: agentType,
      SCOPED_MCP_DATA_DIR: data,
      PATH: process.env.PATH ?? '',
    },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'scoped-mcp-demo', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function call(client, agent, name, args = {}) {
  const result = await client.callTool({ name, arguments: args });
  const text = result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join(' ');
  console.log(`  ${agent} ${result.isError ? '✗' : '✓'} ${name}(${JSON.stringify(args)}) → ${text}`);
  return result;
}

try {
  console.log(bold(`\nscoped-mcp demo — data under ${data}\n`));
  const alpha = await connect('alpha', 'build', 'build-agent.yml');
  const beta = await connect('beta', 'build', 'build-agent.yml');
  const research = await connect('gamma', 'research', 'research-agent.yml');

  for (const [agent, client] of [
    ['alpha', alpha],
    ['beta', beta],
    ['gamma', research],
  ]) {
    const { tools } = await client.listTools();
    console.log(`${bold(agent)} sees ${tools.length} tools: ${tools.map((t) => t.name).join(', ')}`);
  }

  console.log(bold('\n1. Same tools, separate files'));
  await call(alpha, 'alpha', 'filesystem_write_file', {
    path: 'notes/plan.txt',
    content: 'alpha private plan',
  });
  await call(beta, 'beta ', 'filesystem_write_file', {
    path: 'notes/plan.txt',
    content: 'beta private plan',
  });
  await call(alpha, 'alpha', 'filesystem_read_file', { path: 'notes/plan.txt' });
  await call(beta, 'beta ', 'filesystem_read_file', { path: 'notes/plan.txt' });

  console.log(bold('\n2. Same tools, separate databases'));
  await call(alpha, 'alpha', 'sqlite_create_table', {
    name: 'findings',
    columns: { id: 'INTEGER PRIMARY KEY', text: 'TEXT' },
  });
  await call(alpha, 'alpha', 'sqlite_execute', {
    sql: 'INSERT INTO findings (text) VALUES (?)',
    params: ['alpha secret row'],
  });
  await call(alpha, 'alpha', 'sqlite_query', { sql: 'SELECT * FROM findings' });
  await call(beta, 'beta ', 'sqlite_list_tables');

  console.log(bold('\n3. Escapes are refused'));
  await call(alpha, 'alpha', 'filesystem_read_file', { path: '../beta/notes/plan.txt' });
  await call(alpha, 'alpha', 'filesystem_read_file', { path: '/etc/passwd' });
  await call(beta, 'beta ', 'sqlite_query', {
    sql: `ATTACH DATABASE '${join(data, 'sqlite', 'agent_alpha.db')}' AS a`,
  });
  await call(research, 'gamma', 'filesystem_write_file', { path: 'x.txt', content: 'read-only agent' });

  console.log(bold('\n4. Health'));
  await call(research, 'gamma', 'scoped_mcp_status');

  await Promise.all([alpha.close(), beta.close(), research.close()]);

  console.log(bold('\n5. Audit log of alpha (one JSON line per call, hash-chained)'));
  process.stdout.write(readFileSync(join(data, 'audit-alpha.jsonl'), 'utf8'));
  const verify = spawnSync(process.execPath, [cli, 'audit', 'verify', join(data, 'audit-alpha.jsonl')], {
    encoding: 'utf8',
  });
  console.log(bold('\n6. scoped-mcp audit verify audit-alpha.jsonl'));
  process.stdout.write(verify.stdout + verify.stderr);
  console.log(
    `\nOperator logs: ${join(data, 'ops-<agent>.jsonl')}` +
      (process.env.SCOPED_MCP_DEMO_KEEP ? '' : ' (removed now; keep them with SCOPED_MCP_DEMO_KEEP=1)'),
  );
} finally {
  if (!process.env.SCOPED_MCP_DEMO_KEEP) rmSync(data, { recursive: true, force: true });
}
