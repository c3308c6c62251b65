import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ClientBridge } from './client-bridge.js';
import type { ScopedRuntime } from './scoped-runtime.js';

export interface ServerInfo {
  readonly name: string;
  readonly version: string;
  readonly instructions?: string;
}

/**
 * The only place tool calls meet the SDK: list returns the prebuilt table, call is one map lookup. Requests
 * that arrive while modules are still starting wait for startup to finish.
 */
export function createMcpServer(runtime: ScopedRuntime, bridge: ClientBridge, info: ServerInfo): Server {
  const server = new Server(
    { name: info.name, version: info.version },
    {
      capabilities: { tools: { listChanged: true }, logging: {} },
      ...(info.instructions ? { instructions: info.instructions } : {}),
    },
  );
  bridge.attach(server);
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    await runtime.whenStarted();
    return { tools: runtime.list() as never[] };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    await runtime.whenStarted();
    return runtime.call(request.params.name, request.params.arguments, {
      signal: extra.signal,
      client: bridge.forCall(extra as never),
    });
  });
  runtime.onToolsChanged(() => {
    void server.sendToolListChanged().catch(() => undefined);
  });
  return server;
}
