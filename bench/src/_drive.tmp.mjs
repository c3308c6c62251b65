import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
const [cmd, ...args] = process.argv.slice(2);
const t = new StdioClientTransport({
  command: cmd,
  args,
  env: { PATH: process.env.PATH, AGENT_ID: 'bench-1', AGENT_TYPE: 'bench', HOME: '/tmp/pb' },
  stderr: 'inherit',
});
const c = new Client({ name: 'd', version: '1' });
await c.connect(t);
const tool = process.env.TOOL;
const argv = JSON.parse(process.env.ARGS);
const N = Number(process.env.N ?? 20000);
for (let r = 0; r < 3; r++) {
  const lat = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    const res = await c.callTool({ name: tool, arguments: argv });
    if (res.isError) throw new Error(JSON.stringify(res));
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  console.log(tool, 'p50', lat[N >> 1].toFixed(3), 'cps', Math.round(N / ((performance.now() - t0) / 1000)));
}
await c.close();
