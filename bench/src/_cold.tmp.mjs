// Temporary cold-start driver (cold-start helper); delete when done.
import { readFile } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const N = Number(process.env.REPEATS ?? 15);
const CALLS = Number(process.env.CALLS ?? 0);
const W = '/tmp/cold-work';
const env = {
  PATH: process.env.PATH,
  AGENT_ID: 'research-1',
  AGENT_TYPE: 'research',
  HOME: W,
  SCOPED_MCP_DATA_DIR: `${W}/data`,
};
const smcp = (root, extra = []) => ({
  command: process.execPath,
  args: [
    ...extra,
    `${root}/apps/cli/dist/bin.js`,
    '--manifest',
    `${root}/manifests/research-agent.yml`,
    '--audit-log',
    `${W}/audit.jsonl`,
    '--ops-log',
    `${W}/ops.jsonl`,
  ],
  env,
});
const all = {
  floor: {
    command: process.execPath,
    args: ['/work/main/bench/src/floor-echo-server.mjs'],
    env: { PATH: process.env.PATH },
  },
  base: smcp('/tmp/cold-work/base'),
  after: smcp('/tmp/cold-work/after'),
  live: smcp('/work/main'),
  basecc: { ...smcp('/tmp/cold-work/base'), env: { ...env, NODE_COMPILE_CACHE: '/tmp/cold-work/cc-base' } },
  floorcc: { command: process.execPath, args: ['/work/main/bench/src/floor-echo-server.mjs'], env: { PATH: process.env.PATH, NODE_COMPILE_CACHE: '/tmp/cold-work/cc-floor' } },
  hookbase: smcp('/tmp/cold-work/base', ['--import', '/tmp/cold-work/hook.mjs']),
  hookfloor: { command: process.execPath, args: ['--import', '/tmp/cold-work/hook.mjs', '/work/main/bench/src/floor-echo-server.mjs'], env: { PATH: process.env.PATH, HOOK_OUT: '/tmp/cold-work/modules-floor.txt' } },
  prof: smcp('/work/main', [
    '--cpu-prof',
    '--cpu-prof-interval',
    '100',
    '--cpu-prof-dir',
    '/tmp/cold-work/prof',
  ]),
  profbase: smcp('/tmp/cold-work/base', [
    '--cpu-prof',
    '--cpu-prof-interval',
    '100',
    '--cpu-prof-dir',
    '/tmp/cold-work/profbase',
  ]),
  floorprof: {
    command: process.execPath,
    args: [
      '--cpu-prof',
      '--cpu-prof-interval',
      '100',
      '--cpu-prof-dir',
      '/tmp/cold-work/proffloor',
      '/work/main/bench/src/floor-echo-server.mjs',
    ],
    env: { PATH: process.env.PATH },
  },
};
const labels = (process.env.TARGETS ?? 'floor,base,live').split(',');
const rss = async (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
const cpuMs = async (pid) => {
  const { readdir } = await import('node:fs/promises');
  let ns = 0;
  for (const t of await readdir(`/proc/${pid}/task`)) ns += Number((await readFile(`/proc/${pid}/task/${t}/schedstat`, 'utf8')).split(' ')[0]);
  return ns / 1e6;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function once(label) {
  const spec = all[label];
  const t0 = performance.now();
  const transport = new StdioClientTransport({ ...spec, stderr: 'inherit' });
  const client = new Client({ name: 'cold', version: '1' });
  await client.connect(transport);
  const { tools } = await client.listTools();
  const ms = performance.now() - t0;
  const cpu = await cpuMs(transport.pid);
  await new Promise((r) => setTimeout(r, 200));
  const mib = await rss(transport.pid);
  let after;
  if (CALLS) {
    const tool = tools.find((t) => t.name === 'echo') ? 'echo' : 'sqlite_list_tables';
    for (let i = 0; i < CALLS; i++) {
      const res = await client.callTool({
        name: tool,
        arguments: tool === 'echo' ? { message: `m${i}` } : {},
      });
      if (res.isError) throw new Error(JSON.stringify(res.content));
    }
    after = await rss(transport.pid);
  }
  await client.close();
  return { ms, cpu, mib, after, tools: tools.length };
}

const res = Object.fromEntries(labels.map((l) => [l, []]));
for (const l of labels) await once(l); // warm the page cache once
for (let r = 0; r < N; r++) {
  for (const l of r % 2 ? [...labels].reverse() : labels) res[l].push(await once(l));
}
for (const l of labels) {
  const xs = res[l];
  console.log(
    `${l.padEnd(6)} ms ${median(xs.map((x) => x.ms)).toFixed(1)}  (×floor ${(median(xs.map((x) => x.ms)) / median(res[labels[0]].map((x) => x.ms))).toFixed(2)})  cpu ${median(xs.map((x) => x.cpu)).toFixed(1)} ms  rss ${median(xs.map((x) => x.mib)).toFixed(1)} MiB${CALLS ? `  after ${CALLS} calls ${median(xs.map((x) => x.after)).toFixed(1)} MiB` : ''}  tools ${xs[0].tools}  all ms: ${xs.map((x) => x.ms.toFixed(0)).join(' ')}`,
  );
}
