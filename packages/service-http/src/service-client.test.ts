import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isScopedMcpError } from '@scoped-mcp/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createServiceClient,
  jsonObject,
  parseRetryAfter,
  responseError,
  type ServiceClient,
  secureOrLoopback,
} from './service-client.js';

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
    expect(error.message).toBe('Test: no answer within 0.3 s');
    expect(error.code).toBe('SMCP_UPSTREAM_UNAVAILABLE');
  });

  it('reports a refused connection by its code only', async () => {
    const url = await serve(() => undefined);
    server?.close();
    server?.closeAllConnections();
    server = undefined;
    client = createServiceClient({ service: 'Test', timeoutMs: 2000 });
    const error = await failure(client.send({ method: 'POST', url, body: 'x' }));
    expect(error.message).toBe('Test: could not connect (ECONNREFUSED)');
    expect(error.message).not.toMatch(/127\.0\.0\.1|secret-token/);
  });

  it('refuses an answer larger than the cap', async () => {
    const url = await serve((_req, res) => res.writeHead(200).end('x'.repeat(5000)));
    client = createServiceClient({ service: 'Test', maxResponseBytes: 1000 });
    const error = await failure(client.send({ method: 'POST', url, body: 'x' }));
    expect(error.message).toBe('Test: the answer is larger than 1000 bytes');
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
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores anything else', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('2015-10-21T07:28:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('responseError', () => {
  it('says try later for 5xx and refused for 4xx, with the reason given', () => {
    const response = (status: number) => ({ status, headers: {}, text: 'secret body' });
    expect(responseError('Slack', response(503)).code).toBe('SMCP_UPSTREAM_UNAVAILABLE');
    expect(responseError('Slack', response(503)).message).toBe('Slack failed (HTTP 503); retry later');
    const refused = responseError('Slack', response(404), 'no_service');
    expect(refused.code).toBe('SMCP_UPSTREAM_ERROR');
    expect(refused.message).toBe('Slack refused the message (HTTP 404: no_service)');
    expect(refused.message).not.toContain('secret body');
  });
});

describe('secureOrLoopback', () => {
  it('allows https anywhere and http to this machine only', () => {
    expect(secureOrLoopback(new URL('https://ntfy.sh'))).toBe(true);
    expect(secureOrLoopback(new URL('http://127.0.0.1:8080'))).toBe(true);
    expect(secureOrLoopback(new URL('http://[::1]:8080'))).toBe(true);
    expect(secureOrLoopback(new URL('http://localhost'))).toBe(true);
    expect(secureOrLoopback(new URL('http://ntfy.example.org'))).toBe(false);
    expect(secureOrLoopback(new URL('ftp://127.0.0.1'))).toBe(false);
  });
});
