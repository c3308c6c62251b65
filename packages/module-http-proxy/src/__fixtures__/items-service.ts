import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A small REST service on loopback, as strict as a real API: bearer auth when it has a token, JSON bodies
// with the right content type, 405 for a wrong method, 400 for bad JSON or a missing field. Plus the
// answers a proxy must handle: text, empty, large, slow, redirects, 429 with Retry-After, 5xx.

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface ItemsService {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

interface Item {
  id: number;
  name: string;
  [key: string]: unknown;
}

export async function startItemsService(options: { token?: string } = {}): Promise<ItemsService> {
  const items = new Map<number, Item>([[1, { id: 1, name: 'first' }]]);
  let nextId = 2;
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
    try {
      route(req, res, body);
    } catch (error) {
      send(res, 500, { error: String(error) });
    }
  });
  const service: ItemsService = {
    origin: '',
    port: 0,
    requests,
    connections: 0,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  server.on('connection', () => {
    service.connections += 1;
  });

  function route(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', 'http://service.test');
    const path = url.pathname;
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      return send(res, 401, { error: 'unauthorized' });
    }
    if (path === '/api/items') {
      if (req.method === 'GET') return send(res, 200, [...items.values()]);
      if (req.method === 'POST') {
        const parsed = jsonObject(req, body);
        if (typeof parsed === 'string') return send(res, 400, { error: parsed });
        if (typeof parsed.name !== 'string') return send(res, 400, { error: "field 'name' is required" });
        const item = { ...parsed, id: nextId++, name: parsed.name };
        items.set(item.id, item);
        return send(res, 201, item);
      }
      return send(res, 405, { error: 'method not allowed' });
    }
    const itemMatch = /^\/api\/items\/(\d+)$/.exec(path);
    if (itemMatch) {
      const id = Number(itemMatch[1]);
      const item = items.get(id);
      if (!item) return send(res, 404, { error: 'not found' });
      if (req.method === 'GET') return send(res, 200, item);
      if (req.method === 'PUT') {
        const parsed = jsonObject(req, body);
        if (typeof parsed === 'string') return send(res, 400, { error: parsed });
        const updated = { ...item, ...parsed, id };
        items.set(id, updated);
        return send(res, 200, updated);
      }
      if (req.method === 'DELETE') {
        items.delete(id);
        if (url.searchParams.get('report') === '1') return send(res, 200, { deleted: id });
        res.writeHead(204).end();
        return;
      }
      return send(res, 405, { error: 'method not allowed' });
    }
    switch (path) {
      case '/api/query':
        return send(res, 200, { search: url.search });
      case '/api/text':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
        return;
      case '/api/empty':
        res.writeHead(200).end();
        return;
      case '/api/big': {
        // Sent in chunks without a length, so only counting what arrives can stop it.
        const total = Number(url.searchParams.get('bytes') ?? '0');
        res.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
            sent += part.length;
            if (!res.write(part)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('error', () => {});
        pump();
        return;
      }
      case '/api/declared-big':
        res.writeHead(200, { 'content-length': String(1024 * 1024 * 1024) });
        res.write('x');
        return;
      case '/api/slow': {
        const timer = setTimeout(
          () => send(res, 200, { late: true }),
          Number(url.searchParams.get('ms') ?? '5000'),
        );
        res.on('close', () => clearTimeout(timer));
        return;
      }
      case '/api/redirect':
        res.writeHead(Number(url.searchParams.get('status') ?? '302'), {
          location: url.searchParams.get('to') ?? '/api/items',
        });
        res.end();
        return;
      case '/api/limited':
        res.writeHead(429, { 'retry-after': '7', 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'slow down' }));
        return;
      case '/api/broken':
        return send(res, 500, { error: 'internal failure' });
      case '/api/echo-auth':
        return send(res, 200, { authorization: req.headers.authorization ?? null });
      case '/api/headers':
        return send(res, 200, { headers: req.headers });
      case '/api/deep':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`${'['.repeat(5000)}${']'.repeat(5000)}`);
        return;
      default:
        return send(res, 404, { error: 'no such path', path });
    }
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return Object.assign(service, { origin: `http://127.0.0.1:${port}`, port });
}

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

/** The request's JSON object, or why it is not one (as a real API answers 400). */
function jsonObject(req: IncomingMessage, body: string): Record<string, unknown> | string {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json'))
    return 'content-type must be application/json';
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return 'body must be a JSON object';
    return value as Record<string, unknown>;
  } catch {
    return 'body is not valid JSON';
  }
}
