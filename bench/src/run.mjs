#!/usr/bin/env node
// `pnpm bench`: one run, one table. Floors (an SDK echo server, an SDK pass-through proxy) and scoped-mcp
// measured side by side: sequential and 8-in-flight latency/throughput after warm-up, A/B blocks
// alternated, medians of repeats; then cold start and process-tree RSS. Writes bench/results/latest.json
// (with --quick: bench/results/quick.json, not tracked).
//   node bench/src/run.mjs [--quick] [--n N] [--repeats R] [--out FILE]
// Needs `pnpm build` first (apps/cli/dist). Compare ratios, not absolute numbers across machines.
import { setMaxListeners } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { auditCost } from './audit-cost.mjs';
import { boundsCost } from './bounds-cost.mjs';
import { policyCost } from './policy-cost.mjs';
import { compare, median, runLoop } from './measure.mjs';
import { treeRssMiB } from './rss.mjs';
import {
  coldStart,
  groups,
  prepareWorkspace,
  repoRoot,
  rssTargets,
  serverFilesystemMissing,
  startRedis,
} from './scenarios.mjs';

// 8 in-flight 1 MiB requests each wait for 'drain' on the same child stdin: expected, not a leak.
setMaxListeners(64);

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    n: { type: 'string' },
    repeats: { type: 'string' },
    out: { type: 'string' },
  },
});
const Q = opts.quick;
// latest.json is the committed record docs/performance.md reads; a quick pass is a local check and is
// written beside it, untracked.
opts.out ??= join(repoRoot, 'bench/results', Q ? 'quick.json' : 'latest.json');
const cfg = {
  n: Number(opts.n ?? (Q ? 400 : 2000)),
  warmup: Q ? 300 : 1000,
  block: 100,
  repeats: Number(opts.repeats ?? (Q ? 3 : 5)),
  concurrency: 8,
  coldRepeats: Q ? 3 : 5,
  rssCalls: 10_000,
};

async function connect(label, spec) {
  const transport = new StdioClientTransport({
    command: spec.command,
    args: spec.args,
    env: spec.env,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'bench', version: '1.0.0' });
  const t0 = performance.now();
  await client.connect(transport);
  const tools = (await client.listTools()).tools.map((t) => t.name);
  const startMs = performance.now() - t0;
  if (spec.tool && !tools.includes(spec.tool)) {
    // The status tool says which module failed and why.
    const status = tools.includes('scoped_mcp_status')
      ? JSON.stringify((await client.callTool({ name: 'scoped_mcp_status', arguments: {} })).content)
      : '';
    await client.close();
    throw new Error(`${label}: no tool ${spec.tool} (has ${tools.join(', ')}) ${status}`);
  }
  return { label, client, transport, startMs, tool: spec.tool, argsFor: spec.argsFor };
}

/** Spawn → tools/list answered, in ms; `parallel` (a list of specs) spawns them all at once and waits for all. */
async function coldStartMs(label, spec) {
  const t0 = performance.now();
  const cs = await Promise.all((spec.parallel ?? [spec]).map((one) => connect(label, one)));
  const ms = performance.now() - t0;
  await Promise.all(cs.map((c) => c.client.close()));
  return ms;
}

const heapProbe = fileURLToPath(new URL('./heap-probe.mjs', import.meta.url));

/** Live heap after a full GC, via heap-probe.mjs in the server process (SIGUSR2 → file). */
async function liveHeapMiB(pid, file) {
  await rm(file, { force: true });
  process.kill(pid, 'SIGUSR2');
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 20));
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text) return JSON.parse(text).heapUsedMiB;
  }
  return Number.NaN;
}

const f = (v, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'smcp-bench-'));
  const redis = await startRedis();
  const missing = [];
  if (!redis) missing.push('2: redis-server not found; guardrails-on-Redis row skipped');
  const conns = new Map();
  const started = performance.now();
  try {
    const { specs, hasServerFilesystem } = await prepareWorkspace(dir, { redisUrl: redis?.url });
    missing.push(...serverFilesystemMissing(hasServerFilesystem));
    const get = async (label) => {
      if (!conns.has(label)) conns.set(label, await connect(label, specs[label]));
      return conns.get(label);
    };

    const steady = [];
    for (const g of groups(specs)) {
      const targets = [];
      for (const label of g.targets) {
        const c = await get(label);
        targets.push({ ...c, argsFor: g.argsFor ?? c.argsFor });
      }
      const scale = g.scale ?? 1;
      const res = await compare(targets, {
        n: Math.max(10, Math.round(cfg.n * scale)),
        warmup: Math.max(5, Math.round(cfg.warmup * scale)),
        block: Math.max(2, Math.round(cfg.block * scale)),
        repeats: cfg.repeats,
        concurrency: cfg.concurrency,
      });
      for (const label of g.targets) {
        steady.push({
          group: g.name,
          target: label,
          ...res[label],
          ratio: res[label].p50 / res[g.ref].p50,
          ref: g.ref,
        });
      }
      // Every group starts from fresh processes, equally warmed: a server kept from an earlier group would
      // arrive with thousands of calls' worth of JIT and heap tuning the others lack.
      await Promise.all(targets.map((t) => t.client.close()));
      conns.clear();
      process.stderr.write(`done: ${g.name}\n`);
    }
    await Promise.all([...conns.values()].map((c) => c.client.close()));
    conns.clear();
    // A bench whose audit silently failed would flatter scoped-mcp: the default chain must have written lines.
    const auditBytes = (await stat(join(dir, 'audit-echo.jsonl')).catch(() => undefined))?.size ?? 0;
    if (auditBytes === 0) missing.push('audit-echo.jsonl is empty: the audit-on rows did not audit');

    // Cold start: fresh process each time, order alternated per repeat.
    const labels = [...new Set(coldStart.map((c) => c.target))];
    const cold = Object.fromEntries(labels.map((l) => [l, []]));
    for (let r = 0; r < cfg.coldRepeats; r++) {
      const order = r % 2 === 0 ? labels : [...labels].reverse();
      for (const label of order) {
        cold[label].push(await coldStartMs(label, specs[label]));
      }
    }
    const coldRows = coldStart.map(({ target, ref }) => ({
      target,
      ms: median(cold[target]),
      ref,
      ratio: median(cold[target]) / median(cold[ref]),
    }));
    process.stderr.write('done: cold start\n');

    const rssRows = [];
    for (const label of rssTargets) {
      const heapOut = join(dir, `heap-${rssRows.length}.json`);
      const spec = specs[label];
      const c = await connect(label, {
        ...spec,
        args: ['--expose-gc', '--import', heapProbe, ...spec.args],
        env: { ...spec.env, BENCH_HEAP_OUT: heapOut },
      });
      await new Promise((r) => setTimeout(r, 200));
      const atStart = await treeRssMiB(c.transport.pid);
      const heapAtStart = await liveHeapMiB(c.transport.pid, heapOut);
      await runLoop(c, cfg.rssCalls, cfg.concurrency);
      const after = await treeRssMiB(c.transport.pid);
      const heapAfter = await liveHeapMiB(c.transport.pid, heapOut);
      rssRows.push({
        target: label,
        startMiB: atStart,
        afterMiB: after,
        heapAtStart,
        heapAfter,
        calls: cfg.rssCalls,
      });
      await c.client.close();
    }
    process.stderr.write('done: rss\n');

    const boundsRows = await boundsCost({ quick: Q });
    process.stderr.write('done: bounds\n');
    const policyRows = await policyCost({ quick: Q });
    process.stderr.write('done: outbound policy\n');
    const auditRows = await auditCost({ quick: Q });
    process.stderr.write('done: audit\n');

    const cpu = cpus()[0]?.model?.trim() ?? 'unknown CPU';
    const lines = [];
    lines.push(`scoped-mcp bench${Q ? ' --quick' : ''} — node ${process.version}, ${cpus().length} × ${cpu}`);
    lines.push(
      `N=${cfg.n} calls per target and repeat after ${cfg.warmup} warm-up, in blocks of ${cfg.block} taking turns (A/B interleaved), ${cfg.repeats} repeats, medians; @8 = 8 in flight; ×ref = p50 ratio to the group's reference (first-named floor)`,
    );
    lines.push('');
    lines.push(
      '| scenario | target | p50 ms | p99 ms | calls/s | p50 ms @8 | p99 ms @8 | calls/s @8 | ×ref p50 |',
    );
    lines.push('|---|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of steady) {
      lines.push(
        `| ${r.group} | ${r.target} | ${f(r.p50)} | ${f(r.p99)} | ${f(r.rate, 0)} | ${f(r.p50c)} | ${f(r.p99c)} | ${f(r.ratec, 0)} | ${f(r.ratio, 2)} |`,
      );
    }
    lines.push('');
    lines.push(`| 5 cold start (spawn → tools/list), median of ${cfg.coldRepeats} | ms | × ref | ref |`);
    lines.push('|---|---:|---:|---|');
    for (const r of coldRows) lines.push(`| ${r.target} | ${f(r.ms, 1)} | ${f(r.ratio, 2)} | ${r.ref} |`);
    lines.push('');
    const rssFloor = rssRows.find((r) => r.target === 'echo floor');
    lines.push(
      `| 6 memory | RSS after start MiB | × echo floor | RSS after ${cfg.rssCalls} calls MiB | RSS growth | live heap after start MiB | live heap after calls MiB |`,
    );
    lines.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rssRows) {
      const growth = `${f(((r.afterMiB - r.startMiB) / r.startMiB) * 100, 0)} %`;
      lines.push(
        `| ${r.target} | ${f(r.startMiB, 1)} | ${f(r.startMiB / rssFloor.startMiB, 2)} | ${f(r.afterMiB, 1)} | ${growth} | ${f(r.heapAtStart, 1)} | ${f(r.heapAfter, 1)} |`,
      );
    }
    lines.push('');
    lines.push('| 10 bounds per call, in process (median of rounds) | ns |');
    lines.push('|---|---:|');
    for (const r of boundsRows) lines.push(`| ${r.what} | ${f(r.ns, 0)} |`);
    lines.push('');
    lines.push('| 11 outbound policy per call, in process (median of rounds) | ns |');
    lines.push('|---|---:|');
    for (const r of policyRows) lines.push(`| ${r.what} | ${f(r.ns, 0)} |`);
    lines.push('');
    lines.push('| 12 the audit log, in process (median of rounds) | ns | MiB/s |');
    lines.push('|---|---:|---:|');
    for (const r of auditRows)
      lines.push(`| ${r.what} | ${f(r.ns, 0)} | ${r.mibPerSecond ? f(r.mibPerSecond, 0) : ''} |`);
    const wall = (performance.now() - started) / 1000;
    lines.push('');
    lines.push(`wall time ${wall.toFixed(1)} s${missing.length ? `; skipped: ${missing.join('; ')}` : ''}`);
    // The table is the product of this command; stdout is ours here (no MCP channel in the bench runner).
    process.stdout.write(`${lines.join('\n')}\n`);

    await mkdir(dirname(opts.out), { recursive: true });
    await writeFile(
      opts.out,
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: cpus().length, cpu, quick: Q, config: cfg, steady, coldStart: coldRows, rss: rssRows, bounds: boundsRows, policy: policyRows, audit: auditRows, missing, wallSeconds: wall }, null, 2)}\n`,
    );
  } finally {
    await Promise.all([...conns.values()].map((c) => c.client.close().catch(() => {})));
    redis?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
