#!/usr/bin/env node
// Per-call cost of the guardrail chain (a benchmark, not a test). Three scoped-mcp servers over stdio, same
// trivial tool (`filesystem_list_dir` on an empty directory), audit to a file:
//   none      : no guardrails
//   in-process: rate limit (global + per-tool glob), argument filter (with decoding), shadow HITL rule,
//               response filter (redact), in-process state
//   redis     : the same chain with state on a local redis-server (started here on a free loopback port)
// Rounds alternate the order; the table shows medians over rounds. Run after `pnpm build`:
//   node bench/guardrails-overhead.mjs [--n 2000] [--warmup 300] [--runs 3]
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const { values: opts } = parseArgs({
  options: {
    n: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '300' },
    runs: { type: 'string', default: '3' },
  },
});
const N = Number(opts.n);
const WARMUP = Number(opts.warmup);
const RUNS = Number(opts.runs);
const root = fileURLToPath(new URL('../', import.meta.url));
const cli = join(root, 'apps/cli/dist/bin.js');
const dir = await mkdtemp(join(tmpdir(), 'smcp-bench-guard-'));

const port = await new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port: p } = s.address();
    s.close(() => resolve(p));
  });
});
const redis = spawn(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  {
    stdio: 'ignore',
  },
);
await new Promise((r) => setTimeout(r, 300));

const guardrails = `
rate_limits:
  global: 1000000/minute
  per_tool:
    "filesystem_*": 1000000/minute
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
const base = (extra, state) => `agent_type: bench
modules:
  filesystem:
    config:
      base_path: ${JSON.stringify(join(dir, 'files'))}
  sqlite:
    config:
      db_dir: ${JSON.stringify(join(dir, 'db'))}
${state}
${extra}`;
const manifests = {
  none: base('', ''),
  'in-process': base(guardrails, ''),
  redis: base(guardrails, `state_backend:\n  type: redis\n  url: "redis://127.0.0.1:${port}/0"\n`),
};

async function connect(name) {
  const file = join(dir, `${name}.yml`);
  await writeFile(file, manifests[name]);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      cli,
      '--manifest',
      file,
      '--audit-log',
      join(dir, `audit-${name}.jsonl`),
      '--ops-log',
      join(dir, `ops-${name}.jsonl`),
    ],
    env: {
      PATH: process.env.PATH ?? '',
      AGENT_ID: `bench-${name.replace(/[^a-z]/g, '')}`,
      AGENT_TYPE: 'bench',
    },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(transport);
  return client;
}

async function measure(client) {
  const times = [];
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const r = await client.callTool({ name: 'filesystem_list_dir', arguments: { path: '' } });
    times.push(performance.now() - t0);
    if (r.isError) throw new Error(JSON.stringify(r.content));
  }
  const elapsed = performance.now() - started;
  times.sort((a, b) => a - b);
  const pick = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { p50: pick(0.5), p99: pick(0.99), rate: (N / elapsed) * 1000 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  const clients = {};
  for (const name of Object.keys(manifests)) clients[name] = await connect(name);
  for (const client of Object.values(clients)) {
    for (let i = 0; i < WARMUP; i++)
      await client.callTool({ name: 'filesystem_list_dir', arguments: { path: '' } });
  }
  const results = Object.fromEntries(Object.keys(clients).map((k) => [k, []]));
  for (let run = 0; run < RUNS; run++) {
    const order = Object.keys(clients);
    if (run % 2 === 1) order.reverse();
    for (const name of order) results[name].push(await measure(clients[name]));
  }
  const row = (name) => {
    const r = results[name];
    return {
      p50: median(r.map((x) => x.p50)),
      p99: median(r.map((x) => x.p99)),
      rate: median(r.map((x) => x.rate)),
    };
  };
  const none = row('none');
  console.log(
    `guardrail chain overhead — node ${process.version}, N=${N}, warm-up ${WARMUP}, ${RUNS} rounds (medians)`,
  );
  console.log('chain        p50 ms   p99 ms   calls/s   Δp50 ms');
  for (const name of Object.keys(clients)) {
    const r = row(name);
    console.log(
      `${name.padEnd(11)} ${r.p50.toFixed(3).padStart(7)} ${r.p99.toFixed(3).padStart(8)} ${r.rate.toFixed(0).padStart(9)} ${(r.p50 - none.p50).toFixed(3).padStart(9)}`,
    );
  }
  await Promise.all(Object.values(clients).map((c) => c.close()));
} finally {
  redis.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
}
