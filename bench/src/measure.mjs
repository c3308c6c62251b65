// Timing loops and statistics. Every call gets distinct arguments (argsFor(i)) so nothing can be cached.

export const median = (values) => {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
};

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Runs n calls of target with `concurrency` in flight; returns p50/p99 (ms) and calls/s. */
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
  const elapsed = performance.now() - started;
  latencies.sort();
  return { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), rate: (n / elapsed) * 1000 };
}

/**
 * A/B(/C...) blocks alternated: each repeat runs every target once, order reversed on odd repeats,
 * sequentially and with `concurrency` in flight. Returns per-label medians over repeats.
 */
export async function compare(targets, { n, warmup, repeats, concurrency }) {
  let offset = 0;
  for (const t of targets) {
    await runLoop(t, warmup, 1, offset);
    await runLoop(t, warmup, concurrency, offset + warmup);
  }
  offset += 2 * warmup;
  const raw = Object.fromEntries(targets.map((t) => [t.label, { seq: [], conc: [] }]));
  for (let r = 0; r < repeats; r++) {
    const order = r % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) {
      raw[t.label].seq.push(await runLoop(t, n, 1, offset));
      offset += n;
      raw[t.label].conc.push(await runLoop(t, n, concurrency, offset));
      offset += n;
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
