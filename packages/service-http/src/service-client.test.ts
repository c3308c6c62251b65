import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isScopedMcpError, ScopeViolation } from '@scoped-mcp/core';
import { Agent, buildConnector } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { jsonObject, responseError } from './service-answer.js';
import { createServiceClient, type ServiceClient } from './service-client.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

let server: Server | undefined;
let client: ServiceClient | undefined;
const hits: { method: string; path: string; body: string; at: number }[] = [];

afterEach(async () => {
  await client?.close();
  client = undefined;
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  hits.length = 0;
});

async function serve(handler: Handler): Promise<URL> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      hits.push({ method: req.method ?? '', path: req.url ?? '', body, at: Date.now() });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook/secret-token-123`);
}

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string; details?: object }> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: Error) => error,
  );
}

describe('createServiceClient', () => {
  it('sends the request and resolves with any status', async () => {
    const url = await serve((_req, res, body) => res.writeHead(400).end(`{"echo":${JSON.stringify(body)}}`));
    client = createServiceClient({ service: 'Test' });
    const response = await client.send({ method: 'POST', url, body: 'hello' });
    expect(response.status).toBe(400);
    expect(jsonObject(response.text)).toEqual({ echo: 'hello' });
    expect(hits).toEqual([expect.objectContaining({ method: 'POST', path: '/hook/secret-token-123' })]);
  });

  it('never follows a redirect', async () => {
    const url = await serve((_req, res) => res.writeHead(307, { location: '/elsewhere' }).end());
    client = createServiceClient({ service: 'Test' });
    const response = await client.send({ method: 'POST', url, body: 'x' });
    expect(response.status).toBe(307);
    expect(hits.map((h) => h.path)).toEqual(['/hook/secret-token-123']);
    expect(responseError('Test', response).message).toMatch(/redirect \(HTTP 307\), which is never followed/);
  });

  it('gives up at the deadline, without the URL in the error', async () => {
    const url = await serve(() => undefined);
    client = createServiceClient({ service: 'Test', timeoutMs: 300 });
    const started = Date.now();
    const error = await failure(client.send({ method: 'POST', url, body: 'x' }));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error.message).toBe('Test did not answer within 300 ms (timeout_ms)');
    expect(error.code).toBe('SMCP_LIMIT_EXCEEDED');
  });

  it('reports a refused connection by its code only', async () => {
    const url = await serve(() => undefined);
    server?.close();
    server?.closeAllConnections();
    server = undefined;
    client = createServiceClient({ service: 'Test', timeoutMs: 2000 });
    const error = await failure(client.send({ method: 'POST', url, body: 'x' }));
    expect(error.message).toBe('Test could not be reached (ECONNREFUSED)');
    expect(error.message).not.toMatch(/127\.0\.0\.1|secret-token/);
  });

  it('refuses an answer larger than the cap', async () => {
    const url = await serve((_req, res) => res.writeHead(200).end('x'.repeat(5000)));
    client = createServiceClient({ service: 'Test', maxResponseBytes: 1000 });
    const error = await failure(client.send({ method: 'POST', url, body: 'x' }));
    expect(error.message).toBe('Test answered with more than 1000 bytes (max_response_bytes)');
  });

  it('stops when the call is cancelled', async () => {
    const url = await serve(() => undefined);
    client = createServiceClient({ service: 'Test', timeoutMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await failure(client.send({ method: 'POST', url, body: 'x', signal: controller.signal }));
    expect(error.message).toBe('Test: the call was cancelled');
    expect(isScopedMcpError(error)).toBe(true);
  });

  it('retries a 429 after its Retry-After when that fits the deadline', async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(429, { 'retry-after': '1' }).end();
      else res.writeHead(200).end('ok');
    });
    client = createServiceClient({ service: 'Test', timeoutMs: 5000 });
    const response = await client.send({ method: 'POST', url, body: 'x' });
    expect(response.status).toBe(200);
    expect(hits).toHaveLength(2);
    expect((hits[1]?.at ?? 0) - (hits[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('returns the 429 when the wait does not fit the deadline, with the wait in the error', async () => {
    const url = await serve((_req, res) => res.writeHead(429, { 'retry-after': '30' }).end());
    client = createServiceClient({ service: 'Test', timeoutMs: 2000 });
    const response = await client.send({ method: 'POST', url, body: 'x' });
    expect(hits).toHaveLength(1);
    expect(response.retryAfterMs).toBe(30_000);
    const error = responseError('Test', response);
    expect(error.message).toBe('Test is rate limiting (HTTP 429); retry in 30 s');
    expect(error.details).toEqual({ retry_after_ms: 30_000 });
  });

  it('does not retry a 429 without a Retry-After', async () => {
    const url = await serve((_req, res) => res.writeHead(429).end());
    client = createServiceClient({ service: 'Test', timeoutMs: 2000 });
    const response = await client.send({ method: 'POST', url, body: 'x' });
    expect(response.status).toBe(429);
    expect(hits).toHaveLength(1);
  });

  it('stops retrying after three attempts', async () => {
    const url = await serve((_req, res) => res.writeHead(429, { 'retry-after': '0' }).end());
    client = createServiceClient({ service: 'Test', timeoutMs: 5000 });
    const response = await client.send({ method: 'POST', url, body: 'x' });
    expect(response.status).toBe(429);
    expect(hits).toHaveLength(3);
  });

  it('reads the wait from the body when the request says how', async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(429).end('{"retry_after":0.2}');
      else res.writeHead(204).end();
    });
    client = createServiceClient({ service: 'Test', timeoutMs: 5000 });
    const response = await client.send({
      method: 'POST',
      url,
      body: 'x',
      retryAfter: (r) => {
        const seconds = jsonObject(r.text)?.retry_after;
        return typeof seconds === 'number' ? seconds * 1000 : undefined;
      },
    });
    expect(response.status).toBe(204);
    expect(hits).toHaveLength(2);
  });

  it('names the setting of a deadline in the error and its limit', async () => {
    const url = await serve(() => undefined);
    client = createServiceClient({ service: 'Grafana', timeoutMs: 5000 });
    const error = await failure(
      client.send({ method: 'GET', url, timeout: { ms: 200, setting: 'query_timeout_ms' } }),
    );
    expect(error.message).toBe('Grafana did not answer within 200 ms (query_timeout_ms)');
    expect(error.details).toEqual({ limit: { name: 'query_timeout_ms', value: 200 } });
  });

  it('refuses an answer whose declared length is over the cap before reading it', async () => {
    const url = await serve((_req, res) =>
      res.writeHead(200, { 'content-length': '5000' }).end('x'.repeat(5000)),
    );
    client = createServiceClient({
      service: 'Test',
      maxResponseBytes: 1000,
      maxResponseSetting: 'max_bytes',
    });
    const error = await failure(client.send({ method: 'GET', url }));
    expect(error.code).toBe('SMCP_LIMIT_EXCEEDED');
    expect(error.details).toEqual({ limit: { name: 'max_bytes', value: 1000 } });
  });

  it.each(['DELETE', 'PATCH'] as const)('sends %s', async (method) => {
    const url = await serve((_req, res, body) => res.writeHead(200).end(body));
    client = createServiceClient({ service: 'Test' });
    const response = await client.send({ method, url, body: '{"a":1}' });
    expect(response.text).toBe('{"a":1}');
    expect(hits.map((h) => h.method)).toEqual([method]);
  });

  it('never retries when told not to', async () => {
    const url = await serve((_req, res) => res.writeHead(429, { 'retry-after': '0' }).end());
    client = createServiceClient({ service: 'Test', timeoutMs: 5000, retryRateLimited: false });
    const response = await client.send({ method: 'POST', url, body: 'x' });
    expect(response.status).toBe(429);
    expect(response.retryAfterMs).toBe(0);
    expect(hits).toHaveLength(1);
  });

  it("reads a 503's Retry-After without retrying it", async () => {
    const url = await serve((_req, res) => res.writeHead(503, { 'retry-after': '0' }).end());
    client = createServiceClient({ service: 'Test', timeoutMs: 5000 });
    const response = await client.send({ method: 'GET', url });
    expect(response.retryAfterMs).toBe(0);
    expect(hits).toHaveLength(1);
  });

  it("connects through the module's dispatcher, leaves it open, and passes its refusals on", async () => {
    const url = await serve((_req, res) => res.writeHead(200).end('ok'));
    let dispatched = 0;
    const connect = buildConnector({});
    const agent = new Agent({
      connect: (options, callback) => {
        dispatched += 1;
        if (options.port === '1') callback(new ScopeViolation('Host is a blocked address'), null);
        else connect(options, callback);
      },
    });
    try {
      client = createServiceClient({ service: 'Test', dispatcher: agent });
      expect((await client.send({ method: 'GET', url })).text).toBe('ok');
      const refused = await failure(client.send({ method: 'GET', url: new URL('http://127.0.0.1:1/') }));
      expect(refused.message).toBe('Host is a blocked address');
      await client.close();
      client = undefined;
      expect(agent.closed).toBe(false);
      expect(dispatched).toBe(2);
    } finally {
      await agent.close();
    }
  });
});
