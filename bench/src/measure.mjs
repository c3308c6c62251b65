// Timing loops and statistics. Every call gets distinct arguments (argsFor(i)) so nothing can be cached.

export const median = (values) => {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
};

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Runs n calls of target with `concurrency` in flight; returns the latencies (ms) and the elapsed ms. */
export async function runLoop(target, n, concurrency, offset = 0) {
  const latencies = new Float64Array(n);
  let next = 0;
  const started = performance.now();
  async function worker() {
    while (next < n) {
      const i = next++;
      const t0 = performance.now();
      const result = await target.client.callTool({
        name: target.tool,
        arguments: target.argsFor(offset + i),
      });
      latencies[i] = performance.now() - t0;
      if (result.isError) throw new Error(`${target.label}: ${JSON.stringify(result.content).slice(0, 300)}`);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { latencies, elapsed: performance.now() - started };
}

/** p50/p99 (ms) and calls/s of blocks pooled together. */
function summarise(blocks) {
  const all = new Float64Array(blocks.reduce((sum, b) => sum + b.latencies.length, 0));
  let at = 0;
  let elapsed = 0;
  for (const b of blocks) {
    all.set(b.latencies, at);
    at += b.latencies.length;
    elapsed += b.elapsed;
  }
  all.sort();
  return { p50: quantile(all, 0.5), p99: quantile(all, 0.99), rate: (all.length / elapsed) * 1000 };
}

/**
 * A/B(/C...) interleaved in small blocks: a repeat is n calls per target, run as blocks of `block` calls
 * with the targets taking turns (order reversed every other turn), so a burst of noise from the rest of
 * the machine lands on every target alike. Sequential and `concurrency` in flight are measured the same
 * way. Returns, per label, the median over repeats of each repeat's pooled p50, p99 and calls/s.
 */
export async function compare(targets, { n, warmup, repeats, concurrency, block }) {
  let offset = 0;
  for (const t of targets) {
    await runLoop(t, warmup, 1, offset);
    await runLoop(t, warmup, concurrency, offset + warmup);
  }
  offset += 2 * warmup;
  const raw = Object.fromEntries(targets.map((t) => [t.label, { seq: [], conc: [] }]));
  const size = Math.max(1, Math.min(block, n));
  for (let r = 0; r < repeats; r++) {
    // With calls in flight a block is twice as long, so that each turn still spans several rounds of them.
    for (const [mode, inFlight, blockSize] of [
      ['seq', 1, size],
      ['conc', concurrency, Math.min(n, size * 2)],
    ]) {
      const turns = Math.ceil(n / blockSize);
      const blocks = Object.fromEntries(targets.map((t) => [t.label, []]));
      for (let k = 0; k < turns; k++) {
        const order = (r * turns + k) % 2 === 0 ? targets : [...targets].reverse();
        for (const t of order) {
          blocks[t.label].push(await runLoop(t, blockSize, inFlight, offset));
          offset += blockSize;
        }
      }
      for (const t of targets) raw[t.label][mode].push(summarise(blocks[t.label]));
    }
  }
  const pick = (runs, k) => median(runs.map((x) => x[k]));
  return Object.fromEntries(
    Object.entries(raw).map(([label, { seq, conc }]) => [
      label,
      {
        p50: pick(seq, 'p50'),
        p99: pick(seq, 'p99'),
        rate: pick(seq, 'rate'),
        p50c: pick(conc, 'p50'),
        p99c: pick(conc, 'p99'),
        ratec: pick(conc, 'rate'),
      },
    ]),
  );
}
