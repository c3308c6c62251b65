import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ScopedRuntime } from './scoped-runtime.js';

export interface ServerInfo {
  readonly name: string;
  readonly version: string;
  readonly instructions?: string;
}

/** The only place tool calls meet the SDK: list returns the prebuilt table, call is one map lookup. */
export function createMcpServer(runtime: ScopedRuntime, info: ServerInfo): Server {
  const server = new Server(
    { name: info.name, version: info.version },
    {
      capabilities: { tools: { listChanged: false } },
      ...(info.instructions ? { instructions: info.instructions } : {}),
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: runtime.list() as never[] }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
    runtime.call(request.params.name, request.params.arguments, extra.signal),
  );
  return server;
}
