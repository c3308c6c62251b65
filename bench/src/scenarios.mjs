// What is measured: process specs (how to spawn each server), the workspace they share (manifests, files,
// optional Redis) and the groups compared side by side. run.mjs only orchestrates.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliBin = join(repoRoot, 'apps/cli/dist/bin.js');
const echoServer = join(here, 'floor-echo-server.mjs');
const echoModule = join(here, 'echo-module.mjs');
const floorProxy = join(here, 'floor-proxy.mjs');
const node = process.execPath;
const AGENT_ID = 'bench-1';
const SMALL_FILES = 256;
const FOUR_K_FILES = 64;
// An upstream that takes this long to start (npx-launched servers commonly take one to three seconds):
// 17 upstreams, one of them this slow, should start in about the time of the slow one alone.
const SLOW_UPSTREAM_MS = 1000;

/** Path of @modelcontextprotocol/server-filesystem's entry point, or undefined until `pnpm install` ran. */
function serverFilesystemEntry() {
  try {
    return createRequire(import.meta.url).resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
  } catch {
    // Its package.json `exports` may hide the subpath; the file is still where pnpm links it.
    const linked = join(repoRoot, 'bench/node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
    return existsSync(linked) ? linked : undefined;
  }
}

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts a throwaway redis-server on a loopback port; undefined when none is installed. */
export async function startRedis() {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const ok = await new Promise((resolve) => {
    child.once('error', () => resolve(false));
    setTimeout(() => resolve(child.exitCode === null), 300);
  });
  if (!ok) return undefined;
  return { url: `redis://127.0.0.1:${port}/0`, stop: () => child.kill('SIGTERM') };
}

const guardrails = `
rate_limits:
  global: 100000000/minute
  per_tool:
    "echo_*": 100000000/minute
argument_filters:
  - name: no-secrets
    pattern: '(password|secret)\\s*[:=]'
    case_insensitive: true
    decode: [url, base64]
response_filters:
  - name: aws-key
    pattern: 'AKIA[0-9A-Z]{16}'
    action: redact
hitl:
  shadow: ["echo_admin"]
`;

const echoModuleBlock = `  echo:
    type: ${JSON.stringify(echoModule)}
`;
const sqliteModule = (dir) => `  sqlite:
    config:
      db_dir: ${JSON.stringify(join(dir, 'sqlite'))}
`;
// Setup checks the settings and connects nowhere: the row is what loading the module costs a start.
const smtpModuleBlock = `  smtp:
    config:
      from_address: bench@example.com
      allowed_recipients: [ops@example.com]
`;
const smtpCredentials = {
  SMTP_HOST: '127.0.0.1',
  SMTP_PORT: '2525',
  SMTP_USER: 'bench',
  SMTP_PASSWORD: 'bench-password',
};
const fsModule = (dir) => `  filesystem:
    config:
      base_path: ${JSON.stringify(join(dir, 'files'))}
`;
// pinning: enforce, against a lock written by `scoped-mcp pins update` in prepareWorkspace: the full check.
const proxyModule = (name, extraArgs = []) => `  ${name}:
    type: mcp_proxy
    config:
      command: ${JSON.stringify(node)}
      args: ${JSON.stringify([echoServer, ...extraArgs])}
      pinning: enforce
`;

// The notification modules need no server at start (matrix's rooms are ids, so nothing is resolved): what
// the cold start measures is loading them, undici and, for matrix, matrix-js-sdk (imported in its setup).
const webhookModules = `  ntfy: {}
  slack_webhook: {}
  discord_webhook: {}
`;
const matrixModule = `  matrix:
    config:
      allowed_rooms: ["!ops:example.org"]
`;
const notifyCredentials = {
  NTFY_URL: 'http://127.0.0.1:9',
  SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/services/T/B/x',
  DISCORD_WEBHOOK_URL: 'http://127.0.0.1:9/api/webhooks/1/x',
  MATRIX_HOMESERVER: 'http://127.0.0.1:9',
  MATRIX_ACCESS_TOKEN: 'syt_bench',
};
const NOTIFY_HTTP_LABEL = 'scoped-mcp echo + ntfy, slack, discord';
const NOTIFY_ALL_LABEL = 'scoped-mcp echo + ntfy, slack, discord, matrix';

const SEMI_SPACE_LABEL = 'scoped-mcp echo, NODE_OPTIONS=--max-semi-space-size=2';
const SQLITE_LABEL = 'scoped-mcp sqlite_query SELECT ?';

/** The whole environment of a scoped-mcp process of the bench: its home, data and identity in `dir`. */
const smcpEnvFor = (dir) => ({
  PATH: process.env.PATH ?? '',
  HOME: dir,
  AGENT_ID,
  AGENT_TYPE: 'bench',
  SCOPED_MCP_DATA_DIR: dir,
});

/** `scoped-mcp pins update`: records the upstreams' tool definitions next to the manifest. */
async function pinUpstreams(manifest, dir) {
  const child = spawn(node, [cliBin, 'pins', 'update', '--manifest', manifest], {
    env: smcpEnvFor(dir),
    stdio: 'ignore',
  });
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`scoped-mcp pins update --manifest ${manifest} exited with ${code}`);
}

/** Writes manifests and files into dir; returns the process specs keyed by name. */
export async function prepareWorkspace(dir, { redisUrl }) {
  const agentDir = join(dir, 'files', 'agents', AGENT_ID);
  await mkdir(agentDir, { recursive: true, mode: 0o700 });
  for (let i = 0; i < SMALL_FILES; i++) await writeFile(join(agentDir, `f${i}.txt`), `file ${i}\n`);
  for (let i = 0; i < FOUR_K_FILES; i++) {
    await writeFile(join(agentDir, `four-k-${i}.txt`), `${String(i).padStart(15, '-')}\n`.repeat(256));
  }

  const manifests = {
    echo: `agent_type: bench\nmodules:\n${echoModuleBlock}`,
    fs: `agent_type: bench\nmodules:\n${fsModule(dir)}`,
    sqlite: `agent_type: bench\nmodules:\n${sqliteModule(dir)}`,
    'in-process': `agent_type: bench\nmodules:\n${echoModuleBlock}${guardrails}`,
    'proxy-echo': `agent_type: bench\nmodules:\n${proxyModule('echo')}`,
    smtp: `agent_type: bench\nmodules:\n${echoModuleBlock}${smtpModuleBlock}`,
    'notify-http': `agent_type: bench\nmodules:\n${echoModuleBlock}${webhookModules}`,
    'notify-all': `agent_type: bench\nmodules:\n${echoModuleBlock}${webhookModules}${matrixModule}`,
    'proxy-echo-17': `agent_type: bench\nmodules:\n${Array.from({ length: 16 }, (_, i) => proxyModule(`up${i}`)).join('')}${proxyModule('slow', ['--delay-ms', String(SLOW_UPSTREAM_MS)])}`,
  };
  if (redisUrl) {
    manifests.redis = `${manifests['in-process']}state_backend:\n  type: redis\n  url: ${JSON.stringify(redisUrl)}\n`;
  }
  for (const [name, text] of Object.entries(manifests)) await writeFile(join(dir, `${name}.yml`), text);
  for (const name of ['proxy-echo', 'proxy-echo-17']) await pinUpstreams(join(dir, `${name}.yml`), dir);

  const smcpEnv = smcpEnvFor(dir);
  const smcp = (
    manifest,
    { audit = join(dir, `audit-${manifest}.jsonl`), agentType = 'bench', file } = {},
  ) => ({
    command: node,
    args: [
      cliBin,
      '--manifest',
      file ?? join(dir, `${manifest}.yml`),
      '--audit-log',
      audit,
      '--ops-log',
      join(dir, `ops-${manifest}.jsonl`),
    ],
    env: { ...smcpEnv, AGENT_TYPE: agentType },
  });
  const plain = { PATH: process.env.PATH ?? '' };
  const echoArgs = (i) => ({ message: `m${i}` });
  const readSmall = (i) => ({ path: `f${i % SMALL_FILES}.txt` });

  const echo = { tool: 'echo_echo', argsFor: echoArgs };
  const echoFloor = { command: node, args: [echoServer], env: plain, tool: 'echo', argsFor: echoArgs };
  const slowUpstream = {
    command: node,
    args: [echoServer, '--delay-ms', String(SLOW_UPSTREAM_MS)],
    env: plain,
    tool: 'echo',
  };
  const specs = {
    'echo floor': echoFloor,
    'pass-through floor → echo': {
      command: node,
      args: [floorProxy, node, echoServer],
      env: plain,
      tool: 'echo',
      argsFor: echoArgs,
    },
    'scoped-mcp echo, audit to a file': { ...smcp('echo'), ...echo },
    'scoped-mcp echo, all guardrails, in-process state': { ...smcp('in-process'), ...echo },
    'scoped-mcp echo, audit to /dev/null': { ...smcp('echo', { audit: '/dev/null' }), ...echo },
    'scoped-mcp echo + smtp': { ...smcp('smtp'), ...echo, env: { ...smcpEnv, ...smtpCredentials } },
    // The operator's knob for many agents on one machine (docs/performance.md): a young generation that
    // stays small trades a little CPU per call for tens of MiB per process.
    [SEMI_SPACE_LABEL]: {
      ...smcp('echo', { audit: join(dir, 'audit-echo-semi.jsonl') }),
      ...echo,
      env: { ...smcpEnv, NODE_OPTIONS: '--max-semi-space-size=2' },
    },
    'scoped-mcp filesystem_read_file 4 KiB': {
      ...smcp('fs'),
      tool: 'filesystem_read_file',
      argsFor: (i) => ({ path: `four-k-${i % FOUR_K_FILES}.txt` }),
    },
    'scoped-mcp mcp_proxy → echo': { ...smcp('proxy-echo'), tool: 'echo_echo', argsFor: echoArgs },
    // The statement runs in the agent's database process: this row is the trivial tool plus that hop.
    [SQLITE_LABEL]: {
      ...smcp('sqlite'),
      tool: 'sqlite_query',
      argsFor: (i) => ({ sql: 'SELECT ? AS n', params: [i] }),
    },
    'scoped-mcp 17 × mcp_proxy (one slow)': { ...smcp('proxy-echo-17'), tool: 'slow_echo' },
    [NOTIFY_HTTP_LABEL]: { ...smcp('notify-http'), ...echo, env: { ...smcpEnv, ...notifyCredentials } },
    [NOTIFY_ALL_LABEL]: { ...smcp('notify-all'), ...echo, env: { ...smcpEnv, ...notifyCredentials } },
    'slow upstream alone': slowUpstream,
    // What 17 upstreams cost this machine with no proxy at all: the physical floor of the 17-upstream start.
    '17 × echo floor (one slow), spawned in parallel': {
      parallel: [...Array.from({ length: 16 }, () => echoFloor), slowUpstream],
    },
    'scoped-mcp research manifest': {
      ...smcp('research', { agentType: 'research', file: join(repoRoot, 'manifests/research-agent.yml') }),
      tool: 'filesystem_read_file',
      argsFor: readSmall,
    },
  };
  if (redisUrl) specs['scoped-mcp echo, all guardrails, Redis state'] = { ...smcp('redis'), ...echo };
  const fsEntry = serverFilesystemEntry();
  if (fsEntry) {
    specs['server-filesystem read_text_file 4 KiB'] = {
      command: node,
      args: [fsEntry, agentDir],
      env: plain,
      tool: 'read_text_file',
      argsFor: (i) => ({ path: join(agentDir, `four-k-${i % FOUR_K_FILES}.txt`) }),
    };
  }
  return { specs, hasServerFilesystem: Boolean(fsEntry) };
}

const big = 'x'.repeat(1024 * 1024);
const bigArgs = (i) => ({ message: `${i}${big}` });

/** Steady-state groups: targets in a group are measured in alternated blocks; ratio is to `ref`. */
export function groups(specs) {
  const has = (l) => l in specs;
  return [
    { name: '1 floors', ref: 'echo floor', targets: ['echo floor', 'pass-through floor → echo'] },
    {
      name: '2 trivial tool vs echo floor',
      ref: 'echo floor',
      targets: [
        'echo floor',
        'scoped-mcp echo, audit to a file',
        'scoped-mcp echo, all guardrails, in-process state',
        'scoped-mcp echo, all guardrails, Redis state',
      ].filter(has),
    },
    {
      name: '3 read a 4 KiB file',
      ref: has('server-filesystem read_text_file 4 KiB')
        ? 'server-filesystem read_text_file 4 KiB'
        : 'scoped-mcp filesystem_read_file 4 KiB',
      targets: ['server-filesystem read_text_file 4 KiB', 'scoped-mcp filesystem_read_file 4 KiB'].filter(
        has,
      ),
    },
    {
      name: '4 proxy hop',
      ref: 'pass-through floor → echo',
      targets: ['pass-through floor → echo', 'scoped-mcp mcp_proxy → echo'],
    },
    {
      name: '4 proxy hop, 1 MiB payload',
      ref: 'pass-through floor → echo',
      targets: ['pass-through floor → echo', 'scoped-mcp mcp_proxy → echo'],
      argsFor: bigArgs,
      scale: 0.02,
    },
    {
      name: '7 audit to a file vs /dev/null',
      ref: 'scoped-mcp echo, audit to /dev/null',
      targets: ['scoped-mcp echo, audit to /dev/null', 'scoped-mcp echo, audit to a file'],
    },
    {
      name: '8 young generation capped',
      ref: 'scoped-mcp echo, audit to a file',
      targets: ['scoped-mcp echo, audit to a file', SEMI_SPACE_LABEL],
    },
    {
      name: '9 trivial sqlite query',
      ref: 'scoped-mcp echo, audit to a file',
      targets: ['scoped-mcp echo, audit to a file', SQLITE_LABEL],
    },
  ];
}

/** Cold start (spawn → tools/list answered); each row's ratio is to its `ref`. */
export const coldStart = [
  { target: 'echo floor', ref: 'echo floor' },
  { target: 'scoped-mcp research manifest', ref: 'echo floor' },
  { target: 'scoped-mcp echo, audit to a file', ref: 'echo floor' },
  { target: 'scoped-mcp echo + smtp', ref: 'scoped-mcp echo, audit to a file' },
  { target: 'scoped-mcp mcp_proxy → echo', ref: 'echo floor' },
  // Cold start with the notification modules loaded, against the same manifest without them.
  { target: 'scoped-mcp echo, audit to a file', ref: 'scoped-mcp echo, audit to a file' },
  { target: NOTIFY_HTTP_LABEL, ref: 'scoped-mcp echo, audit to a file' },
  { target: NOTIFY_ALL_LABEL, ref: 'scoped-mcp echo, audit to a file' },
  { target: 'slow upstream alone', ref: 'slow upstream alone' },
  { target: 'scoped-mcp 17 × mcp_proxy (one slow)', ref: 'slow upstream alone' },
  { target: '17 × echo floor (one slow), spawned in parallel', ref: 'slow upstream alone' },
  {
    target: 'scoped-mcp 17 × mcp_proxy (one slow)',
    ref: '17 × echo floor (one slow), spawned in parallel',
  },
];

/** RSS of the process tree after start and after N calls. */
export const rssTargets = [
  'echo floor',
  'pass-through floor → echo',
  'scoped-mcp echo, audit to a file',
  'scoped-mcp research manifest',
  'scoped-mcp mcp_proxy → echo',
  SEMI_SPACE_LABEL,
  SQLITE_LABEL,
];

export const serverFilesystemMissing = (has) =>
  has ? [] : ['3: @modelcontextprotocol/server-filesystem not installed (pnpm install needed)'];
