// Scenario 12: what the audit log costs, timed in this process on the built core (no server, no transport):
// one audit line written to a file (the per-call cost of every call), with a keyed chain, a write-mode
// call's two lines (the line before it runs, and its result), and `audit verify` reading a large log.
// AUDIT_BENCH_CORE=<path of another build's dist/runtime.js> times that build instead (before/after).
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { closeSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const core = await import(
  process.env.AUDIT_BENCH_CORE ? pathToFileURL(process.env.AUDIT_BENCH_CORE).href : '@scoped-mcp/core/runtime'
);

const agent = { id: 'bench-agent', type: 'bench', sessionId: '6f1c1b1e-7d0a-4c51-9a55-3a3b1c2d4e5f' };

/** Median ns per operation over `rounds` rounds of `n` operations each. */
function nsPerOp(n, rounds, op) {
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) op(i);
    samples.push(Number(process.hrtime.bigint() - t0) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** A trivial call's result line, as the pipeline writes it. */
const fields = (i) => ({ status: 'ok', elapsed_ms: 0.12, tool: 'echo_echo', args: { message: `m${i}` } });

function lineCost(dir, name, settings, n, rounds, linesPerCall) {
  const loggers = core.createLoggers(
    { auditLog: join(dir, `${name}.jsonl`), opsLog: join(dir, `${name}-ops.jsonl`) },
    agent,
  );
  loggers.startAudit?.(settings);
  const ns = nsPerOp(n, rounds, (i) => {
    if (linesPerCall === 2)
      loggers.audit.info({ tool: 'echo_admin', args: { message: `m${i}` } }, 'tool_call_started');
    loggers.audit.info(fields(i), 'tool_call');
  });
  loggers.close?.();
  return ns;
}

export async function auditCost({ quick }) {
  const dir = await mkdtemp(join(tmpdir(), 'smcp-bench-audit-'));
  const n = quick ? 20_000 : 100_000;
  const rounds = quick ? 5 : 9;
  try {
    const rows = [
      { what: 'one audit line to a file (a read tool’s call)', ns: lineCost(dir, 'plain', {}, n, rounds, 1) },
    ];
    if (core.verifyAuditFile) {
      rows.push({
        what: 'the same, keyed chain (HMAC-SHA256)',
        ns: lineCost(dir, 'keyed', { key: Buffer.alloc(32, 7) }, n, rounds, 1),
      });
      rows.push({
        what: 'a write-mode call: the line before it runs and its result line',
        ns: lineCost(dir, 'write', {}, n, rounds, 2),
      });
    }
    // `audit verify`: a log of ordinary lines, chained as the writer chains them.
    const path = join(dir, 'verify.jsonl');
    const megabytes = quick ? 64 : 256;
    const fd = openSync(path, 'w');
    let prev = '0'.repeat(32);
    let text = '';
    const { createHash } = await import('node:crypto');
    for (let i = 0, size = 0; size < megabytes * 1024 * 1024; i++) {
      const line = `{"level":"info","timestamp":"2026-12-03T10:00:00.000Z","logger":"audit","agent_id":"bench-agent","status":"ok","elapsed_ms":0.12,"tool":"echo_echo","args":{"message":"m${i}"},"event":"tool_call","prev":"${prev}"}`;
      prev = createHash('sha256').update(line).digest('hex').slice(0, 32);
      text += `${line}\n`;
      size += line.length + 1;
      if (text.length > 4_000_000) {
        writeSync(fd, text);
        text = '';
      }
    }
    writeSync(fd, text);
    closeSync(fd);
    const bytes = (await stat(path)).size;
    const t0 = performance.now();
    const verdict = core.verifyAuditFile
      ? await core.verifyAuditFile(path)
      : core.verifyChain(await (await import('node:fs/promises')).readFile(path, 'utf8'));
    const seconds = (performance.now() - t0) / 1000;
    if (!verdict.ok) throw new Error('audit-cost: the generated log does not verify');
    rows.push({
      what: `audit verify, ${Math.round(bytes / 2 ** 20)} MiB log (MiB/s, and ns per line)`,
      ns: (seconds * 1e9) / verdict.lines,
      mibPerSecond: bytes / 2 ** 20 / seconds,
    });
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const row of await auditCost({ quick: process.argv.includes('--quick') })) {
    process.stdout.write(
      `${row.what}: ${row.ns.toFixed(0)} ns${row.mibPerSecond ? `, ${row.mibPerSecond.toFixed(0)} MiB/s` : ''}\n`,
    );
  }
}
