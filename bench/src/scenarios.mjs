// What is measured: process specs (how to spawn each server), the workspace they share (manifests, files,
// optional Redis) and the groups compared side by side. run.mjs only orchestrates.
import { spawn } from 'node:child_process';
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
const floorProxy = join(here, 'floor-proxy.mjs');
const node = process.execPath;
const AGENT_ID = 'bench-1';
const SMALL_FILES = 256;

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
    "filesystem_*": 100000000/minute
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
  shadow: ["sqlite_*"]
`;

const fsModule = (dir) => `  filesystem:
    config:
      base_path: ${JSON.stringify(join(dir, 'files'))}
`;
const proxyModule = (name, extraArgs = []) => `  ${name}:
    type: mcp_proxy
    config:
      command: ${JSON.stringify(node)}
      args: ${JSON.stringify([echoServer, ...extraArgs])}
      pinning: 'off'
`;

/** Writes manifests and files into dir; returns the process specs keyed by name. */
export async function prepareWorkspace(dir, { redisUrl }) {
  const agentDir = join(dir, 'files', 'agents', AGENT_ID);
  await mkdir(agentDir, { recursive: true, mode: 0o700 });
  for (let i = 0; i < SMALL_FILES; i++) await writeFile(join(agentDir, `f${i}.txt`), `file ${i}\n`);
  await writeFile(join(agentDir, 'four-k.txt'), 'abcdefghijklmno\n'.repeat(256));

  const manifests = {
    default: `agent_type: bench\nmodules:\n${fsModule(dir)}`,
    'in-process': `agent_type: bench\nmodules:\n${fsModule(dir)}  sqlite:\n    config:\n      db_dir: ${JSON.stringify(join(dir, 'db'))}\n${guardrails}`,
    'proxy-echo': `agent_type: bench\nmodules:\n${proxyModule('echo')}`,
    'proxy-echo-17': `agent_type: bench\nmodules:\n${Array.from({ length: 17 }, (_, i) => proxyModule(`up${i}`)).join('')}`,
  };
  if (redisUrl) {
    manifests.redis = `${manifests['in-process']}state_backend:\n  type: redis\n  url: ${JSON.stringify(redisUrl)}\n`;
  }
  for (const [name, text] of Object.entries(manifests)) await writeFile(join(dir, `${name}.yml`), text);

  const smcpEnv = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    AGENT_ID,
    AGENT_TYPE: 'bench',
    SCOPED_MCP_DATA_DIR: dir,
  };
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

  const specs = {
    'echo floor': { command: node, args: [echoServer], env: plain, tool: 'echo', argsFor: echoArgs },
    'pass-through floor → echo': {
      command: node,
      args: [floorProxy, node, echoServer],
      env: plain,
      tool: 'echo',
      argsFor: echoArgs,
    },
    'scoped-mcp default chain (fs read_file)': {
      ...smcp('default'),
      tool: 'filesystem_read_file',
      argsFor: readSmall,
    },
    'scoped-mcp guardrails in-process': {
      ...smcp('in-process'),
      tool: 'filesystem_read_file',
      argsFor: readSmall,
    },
    'scoped-mcp audit → /dev/null': {
      ...smcp('default', { audit: '/dev/null' }),
      tool: 'filesystem_read_file',
      argsFor: readSmall,
    },
    'scoped-mcp fs read_file 4 KiB': {
      ...smcp('default'),
      tool: 'filesystem_read_file',
      argsFor: () => ({ path: 'four-k.txt' }),
    },
    'scoped-mcp mcp_proxy → echo': { ...smcp('proxy-echo'), tool: 'echo_echo', argsFor: echoArgs },
    'scoped-mcp 17 × mcp_proxy → echo': { ...smcp('proxy-echo-17'), tool: 'up0_echo' },
    // The floor for 17 upstreams on this machine: the bench itself spawns 17 echo servers at once.
    '17 × echo floor, spawned in parallel': { command: node, args: [echoServer], env: plain, parallel: 17 },
    'scoped-mcp research manifest': smcp('research', {
      agentType: 'research',
      file: join(repoRoot, 'manifests/research-agent.yml'),
    }),
  };
  if (redisUrl)
    specs['scoped-mcp guardrails redis'] = {
      ...smcp('redis'),
      tool: 'filesystem_read_file',
      argsFor: readSmall,
    };
  const fsEntry = serverFilesystemEntry();
  if (fsEntry) {
    specs['server-filesystem read_text_file 4 KiB'] = {
      command: node,
      args: [fsEntry, agentDir],
      env: plain,
      tool: 'read_text_file',
      argsFor: () => ({ path: join(agentDir, 'four-k.txt') }),
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
        'scoped-mcp default chain (fs read_file)',
        'scoped-mcp guardrails in-process',
        'scoped-mcp guardrails redis',
      ].filter(has),
    },
    {
      name: '3 read 4 KiB file',
      ref: has('server-filesystem read_text_file 4 KiB')
        ? 'server-filesystem read_text_file 4 KiB'
        : 'scoped-mcp fs read_file 4 KiB',
      targets: ['server-filesystem read_text_file 4 KiB', 'scoped-mcp fs read_file 4 KiB'].filter(has),
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
      name: '7 audit file on vs off',
      ref: 'scoped-mcp audit → /dev/null',
      targets: ['scoped-mcp audit → /dev/null', 'scoped-mcp default chain (fs read_file)'],
    },
  ];
}

/** Cold start (spawn → tools/list answered), compared to the echo floor. */
export const coldStart = [
  'echo floor',
  'scoped-mcp research manifest',
  'scoped-mcp mcp_proxy → echo',
  '17 × echo floor, spawned in parallel',
  'scoped-mcp 17 × mcp_proxy → echo',
];

/** RSS of the process tree after start and after N calls. */
export const rssTargets = [
  'echo floor',
  'pass-through floor → echo',
  'scoped-mcp default chain (fs read_file)',
  'scoped-mcp mcp_proxy → echo',
];

export const serverFilesystemMissing = (has) =>
  has ? [] : ['3: @modelcontextprotocol/server-filesystem not installed (pnpm install needed)'];
