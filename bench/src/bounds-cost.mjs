// Scenario 10: what the bounds added in Step 5 cost per call, timed in this process on the built core (no
// server, no transport): the argument-depth walk on a trivial call's arguments and on larger ones, and one
// call's trip through CallsInFlight (admit, finish, its answer's send resolving). A server adds these to
// every tools/call; the end-to-end rows (2, 4) include them.
import { nestsDeeperThan } from '@scoped-mcp/core';
import { CallsInFlight } from '@scoped-mcp/core/runtime';

/** Median ns per operation over `rounds` rounds of `n` operations each. */
async function nsPerOp(n, rounds, op) {
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await op(i);
    samples.push(Number(process.hrtime.bigint() - t0) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function nested(levels) {
  let value = 'leaf';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

export async function boundsCost({ quick }) {
  const n = quick ? 20_000 : 100_000;
  const rounds = quick ? 5 : 9;
  const trivial = (i) => ({ message: `m${i}` });
  const wide = {
    rows: Array.from({ length: 1000 }, (_, i) => ({ id: i, name: `row ${i}`, tags: ['a', 'b'] })),
  };
  const deep = { value: nested(63) };
  let depthSink = 0;
  const depth = (args) => () => {
    if (nestsDeeperThan(args, 64)) depthSink++;
  };
  const rows = [
    {
      what: 'depth check, trivial arguments {message}',
      ns: await nsPerOp(n, rounds, (i) => depth(trivial(i))()),
    },
    {
      what: 'depth check, 1,000 rows of 3 fields (4,001 containers)',
      ns: await nsPerOp(n / 100, rounds, depth(wide)),
    },
    { what: 'depth check, 64 levels (the limit)', ns: await nsPerOp(n / 10, rounds, depth(deep)) },
  ];
  // One slot per call: admitted, finished, freed when its answer's send resolves (as on an idle stdout).
  // Each call has its own abort signal, as the SDK gives every request.
  const calls = new CallsInFlight({ maxInFlight: 16, maxQueued: 64 });
  const transport = calls.watch({ start: async () => {}, close: async () => {}, send: async () => {} });
  rows.push({
    what: 'CallsInFlight: admit, finish, answer sent',
    ns: await nsPerOp(n, rounds, async (i) => {
      const slot = calls.admit(i, new AbortController().signal);
      await slot.ready;
      slot.finished();
      await transport.send({ jsonrpc: '2.0', id: i, result: { content: [] } });
    }),
  });
  // The same loop without the limiter: what the awaits and the send cost by themselves.
  const bare = { send: async () => {} };
  rows.push({
    what: '(reference: the same loop without CallsInFlight)',
    ns: await nsPerOp(n, rounds, async (i) => {
      new AbortController();
      await Promise.resolve();
      await bare.send({ jsonrpc: '2.0', id: i, result: { content: [] } });
    }),
  });
  if (calls.counts.running !== 0 || depthSink !== 0)
    throw new Error('bounds-cost: a slot leaked or a check refused');
  return rows;
}
