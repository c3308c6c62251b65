#!/usr/bin/env node
// Per-call overhead of the scoped-mcp proxy hop (a benchmark, not a test).
//
//   direct : SDK Client ──stdio──▶ server-everything
//   proxied: SDK Client ──stdio──▶ scoped-mcp (mcp_proxy, audit + ops logs to files) ──stdio──▶ server-everything
//
// Both connections are opened once (spawn cost excluded) and warmed up; then each round runs N sequential
// (or --concurrency C in flight) `echo` calls on one and then the other, alternating which goes first, and
// the table shows the median over the rounds of each statistic. Run after `pnpm build`:
//
//   node bench/proxy-overhead.mjs [--n 2000] [--warmup 300] [--runs 3] [--payload 5] [--concurrency 1]
//
// Machines differ: compare the ratio and the added milliseconds, not absolute numbers across machines.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
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
    payload: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '1' },
  },
});
const N = Number(opts.n);
const WARMUP = Number(opts.warmup);
const RUNS = Number(opts.runs);
const CONCURRENCY = Number(opts.concurrency);
const MESSAGE = 'x'.repeat(Number(opts.payload));

const root = fileURLToPath(new URL('../', import.meta.url));
const cliBin = join(root, 'apps/cli/dist/bin.js');
const everything = join(root, 'apps/cli/node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const env = { PATH: process.env.PATH ?? '' };

async function connect(label, command, args, extraEnv = {}) {
  const transport = new StdioClientTransport({
    command,
    args,
    env: { ...env, ...extraEnv },
    stderr: 'ignore',
  });
  const client = new Client({ name: `bench-${label}`, version: '1.0.0' });
  const started = performance.now();
  await client.connect(transport);
  const tools = (await client.listTools()).tools.map((t) => t.name);
  const connectMs = performance.now() - started;
  return { label, client, transport, tools, connectMs };
}

async function measure(target, tool, n) {
  const latencies = new Float64Array(n);
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < n) {
      const i = next++;
      const t0 = performance.now();
      const result = await target.client.callTool({ name: tool, arguments: { message: MESSAGE } });
      latencies[i] = performance.now() - t0;
      if (result.isError) throw new Error(`${target.label}: ${JSON.stringify(result)}`);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = performance.now() - started;
  latencies.sort();
  const q = (p) => latencies[Math.min(n - 1, Math.floor(p * n))];
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: latencies[n - 1], rate: (n / elapsed) * 1000 };
}

/** VmRSS (MiB) summed over a process and its descendants (Linux only; undefined elsewhere). */
async function treeRss(pid) {
  try {
    let total = 0;
    const stack = [pid];
    while (stack.length > 0) {
      const p = stack.pop();
      const status = await readFile(`/proc/${p}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      for (const task of await readdir(`/proc/${p}/task`)) {
        const children = await readFile(`/proc/${p}/task/${task}/children`, 'utf8').catch(() => '');
        stack.push(...children.split(' ').filter(Boolean).map(Number));
      }
    }
    return total / 1024;
  } catch {
    return undefined;
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'smcp-bench-'));
  const manifest = join(dir, 'bench-agent.yml');
  await writeFile(
    manifest,
    JSON.stringify({
      agent_type: 'bench',
      modules: {
        ev: {
          type: 'mcp_proxy',
          config: {
            command: process.execPath,
            args: [everything, 'stdio'],
            tool_allowlist: ['echo'],
            pinning: 'off',
          },
        },
      },
    }),
  );
  const direct = await connect('direct', process.execPath, [everything, 'stdio']);
  const proxied = await connect(
    'proxied',
    process.execPath,
    [
      cliBin,
      '--manifest',
      manifest,
      '--audit-log',
      join(dir, 'audit.jsonl'),
      '--ops-log',
      join(dir, 'ops.jsonl'),
    ],
    { HOME: dir, AGENT_ID: 'bench-1', AGENT_TYPE: 'bench' },
  );
  if (!proxied.tools.includes('ev_echo'))
    throw new Error(`proxy offers no ev_echo: ${proxied.tools.join(', ')}`);
  const targets = [
    { target: direct, tool: 'echo' },
    { target: proxied, tool: 'ev_echo' },
  ];
  try {
    for (const { target, tool } of targets) await measure(target, tool, WARMUP);
    const results = { direct: [], proxied: [] };
    for (let run = 0; run < RUNS; run++) {
      const order = run % 2 === 0 ? targets : [...targets].reverse();
      for (const { target, tool } of order) results[target.label].push(await measure(target, tool, N));
    }
    const rss = {
      direct: await treeRss(direct.transport.pid),
      proxied: await treeRss(proxied.transport.pid),
    };
    const summary = Object.fromEntries(
      Object.entries(results).map(([label, runs]) => [
        label,
        Object.fromEntries(
          ['p50', 'p90', 'p99', 'max', 'rate'].map((k) => [k, median(runs.map((r) => r[k]))]),
        ),
      ]),
    );
    const ms = (v) => v.toFixed(3);
    const cpu = cpus()[0]?.model ?? 'unknown CPU';
    console.log(
      `\nscoped-mcp proxy overhead — node ${process.version}, ${cpus().length} × ${cpu.trim()}\n` +
        `echo "${MESSAGE.length} chars", N=${N} per run after ${WARMUP} warm-up, ${RUNS} runs (A/B alternated), ` +
        `concurrency ${CONCURRENCY}; medians over runs\n`,
    );
    console.log('| path | p50 ms | p90 ms | p99 ms | max ms | calls/s | connect ms | tree RSS MiB |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const [label, target] of [
      ['direct → server-everything', direct],
      ['scoped-mcp → server-everything', proxied],
    ]) {
      const s = summary[target.label];
      const r = rss[target.label];
      console.log(
        `| ${label} | ${ms(s.p50)} | ${ms(s.p90)} | ${ms(s.p99)} | ${s.max.toFixed(1)} | ${Math.round(s.rate)} | ` +
          `${Math.round(target.connectMs)} | ${r === undefined ? 'n/a' : r.toFixed(0)} |`,
      );
    }
    const d = summary.direct;
    const p = summary.proxied;
    console.log(
      `| **proxy hop overhead** | **+${ms(p.p50 - d.p50)}** | +${ms(p.p90 - d.p90)} | +${ms(p.p99 - d.p99)} | | ` +
        `÷${(d.rate / p.rate).toFixed(2)} | | |`,
    );
    console.log(`\nproxied/direct p50 ratio: ${(p.p50 / d.p50).toFixed(2)}`);
    for (const [label, runs] of Object.entries(results)) {
      console.log(
        `${label} runs: ${runs.map((r) => `p50 ${ms(r.p50)} / ${Math.round(r.rate)}/s`).join(', ')}`,
      );
    }
  } finally {
    await Promise.all([direct.client.close(), proxied.client.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
