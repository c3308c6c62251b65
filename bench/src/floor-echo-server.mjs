#!/usr/bin/env node
// Floor: the least an SDK stdio server can do per call. Low-level Server (no zod, no validation) so that
// nothing but the SDK transport and JSON-RPC dispatch is measured.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const server = new Server({ name: 'floor-echo', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [
    {
      name: 'echo',
      description: 'Echoes its message',
      inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
    },
  ],
}));
server.setRequestHandler(CallToolRequestSchema, async (req) => ({
  content: [{ type: 'text', text: String(req.params.arguments?.message ?? '') }],
}));
// `--delay-ms N` stands in for an upstream that is slow to start (an npx download, a JVM, a login).
const delayAt = process.argv.indexOf('--delay-ms');
if (delayAt !== -1) await new Promise((r) => setTimeout(r, Number(process.argv[delayAt + 1])));
await server.connect(new StdioServerTransport());
