// Scenario 11: what the outbound policy (held secrets + response filters on every channel) costs per
// call, timed in this process on the built core (no server, no transport): one tools/call through the
// runtime's whole chain (audit, parse, response filter, secret redaction, the call channel's wrapping) on a
// trivial tool and on a 1 MiB raw result (what mcp_proxy returns for an upstream's 1 MiB answer), with
// nothing configured, with three held secrets, and with those secrets plus the two response filters of
// manifests/guarded-agent.yml. The end-to-end rows (2, 4) include the same work plus the transport.
import { defineModule, rawResult, z } from '@scoped-mcp/core';
import { createResponseFilterMiddleware, ScopedRuntime } from '@scoped-mcp/core/runtime';

const RULES = [
  {
    name: 'aws-access-key',
    pattern: 'AKIA[0-9A-Z]{16}',
    action: 'redact',
    decode: ['base64'],
    case_insensitive: false,
  },
  {
    name: 'private-key',
    pattern: '-----BEGIN [A-Z ]*PRIVATE KEY-----',
    action: 'block',
    decode: [],
    case_insensitive: false,
  },
];
const SECRETS = ['upstream-token-8c1f2d9e', 'db-pass-991xyz', 'ghp0123456789abcdefXYZ'];

const silent = {
  level: 'info',
  isLevelEnabled: () => false,
  child() {
    return silent;
  },
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  trace() {},
};

const big = 'x'.repeat(1024 * 1024);
const bench = defineModule({
  name: 'bench',
  description: 'policy cost',
  config: z.strictObject({}),
  tools: (tool) => ({
    echo: tool({
      mode: 'read',
      description: 'Echoes.',
      input: z.strictObject({ message: z.string() }),
      handler: ({ message }) => message,
    }),
    big: tool({
      mode: 'read',
      description: 'A 1 MiB raw result.',
      input: z.strictObject({}),
      handler: () => rawResult({ content: [{ type: 'text', text: big }] }),
    }),
  }),
});

function runtime(kind) {
  const rules = kind === 'rules' ? RULES : [];
  return new ScopedRuntime({
    agent: { id: 'bench', type: 'bench', sessionId: '00000000-0000-4000-8000-000000000000' },
    instances: [
      {
        key: 'bench',
        type: 'bench',
        optional: false,
        mode: null,
        module: bench,
        config: {},
        credentials: {},
      },
    ],
    manifestDir: process.cwd(),
    audit: silent,
    ops: silent,
    secrets: kind === 'none' ? [] : SECRETS,
    responseFilters: rules,
    middleware:
      rules.length > 0 ? [createResponseFilterMiddleware({ rules, audit: silent, agentId: 'bench' })] : [],
  });
}

/** Median ns per call over `rounds` rounds of `n` calls each. */
async function nsPerCall(rt, tool, args, n, rounds) {
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await rt.call(tool, args(i));
    samples.push(Number(process.hrtime.bigint() - t0) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

export async function policyCost({ quick }) {
  const n = quick ? 5_000 : 20_000;
  const rounds = quick ? 5 : 9;
  const rows = [];
  for (const kind of ['none', 'secrets', 'rules']) {
    const rt = runtime(kind);
    await rt.start();
    const label = {
      none: 'nothing configured',
      secrets: '3 secrets',
      rules: '3 secrets + 2 response filters',
    }[kind];
    rows.push({
      what: `trivial tool, ${label}`,
      ns: await nsPerCall(rt, 'bench_echo', (i) => ({ message: `m${i}` }), n, rounds),
    });
    rows.push({
      what: `1 MiB raw result, ${label}`,
      ns: await nsPerCall(rt, 'bench_big', () => ({}), Math.max(20, n / 500), rounds),
    });
    await rt.stop();
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await policyCost({ quick: process.argv.includes('--quick') });
  for (const r of rows) process.stdout.write(`| ${r.what} | ${Math.round(r.ns)} |\n`);
}
