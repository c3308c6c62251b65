import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

export interface HttpUpstream {
  /** The streamable endpoint (`/mcp`); the legacy SSE endpoint is `/sse`. */
  readonly url: string;
  readonly sseUrl: string;
  /** Sessions currently open (streamable and SSE). */
  readonly sessions: ReadonlySet<string>;
  /** Sessions ended by a DELETE from the client. */
  terminated: number;
  /** Authorization headers seen on requests, in order. */
  readonly authorizations: string[];
  /** Stops listening and drops every connection (the upstream "goes down"). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/** An MCP server over streamable HTTP and legacy SSE on 127.0.0.1 (never all interfaces), for the proxy's tests. */
export async function startHttpUpstream(options: { token?: string } = {}): Promise<HttpUpstream> {
  const streamable = new Map<string, StreamableHTTPServerTransport>();
  const legacy = new Map<string, SSEServerTransport>();
  const sessions = new Set<string>();
  const authorizations: string[] = [];
  let port = 0;
  let http: HttpServer;
  const upstream: HttpUpstream = {
    get url() {
      return `http://127.0.0.1:${port}/mcp`;
    },
    get sseUrl() {
      return `http://127.0.0.1:${port}/sse`;
    },
    sessions,
    terminated: 0,
    authorizations,
    async stop() {
      for (const transport of streamable.values()) await transport.close();
      for (const transport of legacy.values()) await transport.close();
      streamable.clear();
      legacy.clear();
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
    start: () => listen(),
  };

  /** What the `whoami` tool echoes: the last request's Authorization header and URL (query included). */
  let lastRequest = '';
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    authorizations.push(req.headers.authorization ?? '');
    lastRequest = `authorization=${req.headers.authorization ?? ''} url=${req.url ?? ''}`;
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401).end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/sse' && req.method === 'GET') {
      const transport = new SSEServerTransport('/messages', res);
      legacy.set(transport.sessionId, transport);
      sessions.add(transport.sessionId);
      transport.onclose = () => {
        legacy.delete(transport.sessionId);
        sessions.delete(transport.sessionId);
      };
      await mcpServer(() => lastRequest).connect(transport);
      return;
    }
    if (path === '/messages' && req.method === 'POST') {
      const id = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('sessionId') ?? '';
      const transport = legacy.get(id);
      if (!transport) res.writeHead(404).end();
      else await transport.handlePostMessage(req, res);
      return;
    }
    if (path !== '/mcp') {
      res.writeHead(path === '/sse' ? 405 : 404).end();
      return;
    }
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? streamable.get(id) : undefined;
    if (!transport) {
      if (typeof id === 'string') {
        res.writeHead(404).end();
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: randomUUID,
        onsessioninitialized: (sessionId) => {
          streamable.set(sessionId, transport!);
          sessions.add(sessionId);
        },
        onsessionclosed: (sessionId) => {
          upstream.terminated++;
          streamable.delete(sessionId);
          sessions.delete(sessionId);
        },
      });
      await mcpServer(() => lastRequest).connect(transport);
    }
    await transport.handleRequest(req, res);
  }

  function listen(): Promise<void> {
    http = createServer((req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    return new Promise((resolve) => {
      http.listen(port, '127.0.0.1', () => {
        port = (http.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  await listen();
  return upstream;
}

function mcpServer(whoami: () => string): Server {
  const server = new Server({ name: 'http-fixture', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      {
        name: 'echo',
        description: 'Echoes its text back.',
        inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      },
      {
        name: 'big',
        description: 'Returns a text of the given size.',
        inputSchema: { type: 'object', properties: { bytes: { type: 'number' } } },
      },
      {
        name: 'whoami',
        description: 'Returns the Authorization header and URL it was called with.',
        inputSchema: { type: 'object', properties: {} },
      },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    const args = request.params.arguments ?? {};
    const name = request.params.name;
    const text =
      name === 'big' ? 'x'.repeat(Number(args.bytes ?? 0)) : name === 'whoami' ? whoami() : String(args.text);
    return { content: [{ type: 'text', text }] };
  });
  return server;
}
