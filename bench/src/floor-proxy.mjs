#!/usr/bin/env node
// Floor: a pass-through proxy on the same SDK with no checks at all (stdio front, stdio upstream client).
//   node floor-proxy.mjs <command> [args...]
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: floor-proxy.mjs <command> [args...]\n');
  process.exit(2);
}
const upstream = new Client({ name: 'floor-proxy', version: '1.0.0' });
await upstream.connect(new StdioClientTransport({ command, args, stderr: 'ignore' }));

const server = new Server({ name: 'floor-proxy', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => upstream.listTools());
server.setRequestHandler(CallToolRequestSchema, async (req) => upstream.callTool(req.params));
await server.connect(new StdioServerTransport());
// Like any well-behaved stdio server: when the client goes away, stop the upstream and exit.
process.stdin.once('end', () => {
  upstream.close().finally(() => process.exit(0));
});
