import { randomBytes } from 'node:crypto';
import { readErrorMeta } from '@scoped-mcp/core';
import { createModuleHarness, type HarnessResult, type ModuleHarness } from '@scoped-mcp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ItemsService, startItemsService } from './__fixtures__/items-service.js';
import httpProxy from './index.js';

// End to end against a loopback REST service that checks the bearer token itself; the service opts into
// private addresses, as an operator would for a LAN service.

const TOKEN = `canary-${randomBytes(16).toString('hex')}`;
const SERVICE_KEY = 'ITEMS_API_TOKEN';

let service: ItemsService;
let h: ModuleHarness;
const seen: HarnessResult[] = [];

async function call(
  tool: string,
  args: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<HarnessResult> {
  const result = await h.call(tool, args, signal ? { signal } : {});
  seen.push(result);
  return result;
}

function code(result: HarnessResult): string | undefined {
  return readErrorMeta(result.raw)?.code;
}

beforeAll(async () => {
  service = await startItemsService({ token: TOKEN });
  h = await createModuleHarness(httpProxy, {
    config: {
      allowed_services: [
        {
          name: 'items',
          base_url: `${service.origin}/api/`,
          credential_key: SERVICE_KEY,
          headers: { 'X-Client': 'scoped-mcp-test' },
          allow_private: true,
        },
        {
          name: 'tenant',
          base_url: `${service.origin}/api?tenant=acme`,
          credential_key: SERVICE_KEY,
          allow_private: true,
        },
        { name: 'anonymous', base_url: `${service.origin}/api`, allow_private: true },
      ],
      timeout_ms: 2000,
      max_response_bytes: 100_000,
      max_request_bytes: 1000,
    },
    credentials: { [SERVICE_KEY]: TOKEN, UNDECLARED: 'never-resolved' },
  });
});

afterAll(async () => {
  await h?.close();
  await service?.close();
});

describe('the four tools against a loopback service', () => {
  it('get returns the JSON body and the status, with the bearer token and the configured header sent', async () => {
    const before = service.requests.length;
    const result = await call('get', { service: 'items', path: '/items' });
    expect(result.isError).toBe(false);
    expect(result.json()).toEqual([{ id: 1, name: 'first' }]);
    expect(result.raw.structuredContent).toEqual({ status: 200, body: [{ id: 1, name: 'first' }] });
    const sent = service.requests[before]!;
    expect(sent).toMatchObject({ method: 'GET', url: '/api/items' });
    expect(sent.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent.headers['x-client']).toBe('scoped-mcp-test');
  });

  it('params are appended after the base URL query and the path query, never replacing them', async () => {
    const result = await call('get', {
      service: 'tenant',
      path: 'query?page=2',
      params: { q: 'a b&c=d', n: 5, all: true },
    });
    expect(result.isError).toBe(false);
    expect(result.json()).toEqual({ search: '?tenant=acme&page=2&q=a+b%26c%3Dd&n=5&all=true' });
  });

  it('post sends the body as JSON and returns what the service created', async () => {
    const result = await call('post', { service: 'items', path: 'items', body: { name: 'second', size: 3 } });
    expect(result.isError).toBe(false);
    expect(result.raw.structuredContent).toEqual({ status: 201, body: { id: 2, name: 'second', size: 3 } });
    const sent = service.requests.at(-1)!;
    expect(sent.headers['content-type']).toBe('application/json');
    expect(JSON.parse(sent.body)).toEqual({ name: 'second', size: 3 });
  });

  it('post without a body sends {} (the reference), which this service refuses with 400', async () => {
    const result = await call('post', { service: 'items', path: 'items' });
    expect(result.isError).toBe(true);
    expect(code(result)).toBe('SMCP_UPSTREAM_ERROR');
    expect(result.text).toBe('Service \'items\' answered HTTP 400: {"error":"field \'name\' is required"}');
    expect(service.requests.at(-1)!.body).toBe('{}');
  });

  it('put replaces fields and returns the answer', async () => {
    const result = await call('put', { service: 'items', path: 'items/1', body: { name: 'renamed' } });
    expect(result.raw.structuredContent).toEqual({ status: 200, body: { id: 1, name: 'renamed' } });
  });

  it('delete with an empty answer gives {"status":"deleted"}; with a JSON answer, that answer', async () => {
    const created = (await call('post', { service: 'items', path: 'items', body: { name: 'doomed' } })).json<{
      id: number;
    }>();
    const empty = await call('delete', { service: 'items', path: `items/${created.id}` });
    expect(empty.raw.structuredContent).toEqual({ status: 204, body: { status: 'deleted' } });
    expect(empty.text).toBe('{"status":"deleted"}');
    const reported = await call('delete', { service: 'items', path: 'items/2?report=1' });
    expect(reported.json()).toEqual({ deleted: 2 });
  });

  it('a body that is not JSON comes back as {"text": …}, an empty one as {"text": ""}', async () => {
    expect((await call('get', { service: 'items', path: 'text' })).json()).toEqual({ text: 'plain words' });
    expect((await call('get', { service: 'items', path: 'empty' })).json()).toEqual({ text: '' });
  });

  it('JSON nested deeper than core allows comes back as text, not as a value that would overflow a walk', async () => {
    const result = await call('get', { service: 'items', path: 'deep' });
    expect(result.isError).toBe(false);
    expect(result.json<{ text: string }>().text).toHaveLength(10_000);
  });

  it('a service without credential_key sends no Authorization header (and this service answers 401)', async () => {
    const result = await call('get', { service: 'anonymous', path: 'items' });
    expect(result.isError).toBe(true);
    expect(result.text).toBe('Service \'anonymous\' answered HTTP 401: {"error":"unauthorized"}');
    expect(service.requests.at(-1)!.headers.authorization).toBeUndefined();
  });
});

describe('errors and caps', () => {
  it('an unknown service is a scope violation that lists the allowed names, as the reference', async () => {
    const result = await call('get', { service: 'billing', path: 'x' });
    expect(code(result)).toBe('SMCP_SCOPE_VIOLATION');
    expect(result.text).toBe(
      "Service 'billing' is not in the allowed_services list. Allowed: ['items', 'tenant', 'anonymous']",
    );
    expect(h.audit.at(-1)).toMatchObject({ event: 'scope_violation', status: 'blocked' });
  });

  it('a 3xx is not followed: one request reaches the service, the agent is told', async () => {
    const before = service.requests.length;
    for (const status of [301, 302, 303, 307, 308]) {
      const result = await call('get', {
        service: 'items',
        path: 'redirect',
        params: { status, to: `${service.origin}/api/items` },
      });
      expect(code(result)).toBe('SMCP_UPSTREAM_ERROR');
      expect(result.text).toBe(
        `Service 'items' answered HTTP ${status}, a redirect; redirects are not followed`,
      );
    }
    expect(service.requests.length - before).toBe(5);
  });

  it('429 carries Retry-After as retry_after_ms; 5xx is an upstream error with the status', async () => {
    const limited = await call('get', { service: 'items', path: 'limited' });
    expect(readErrorMeta(limited.raw)).toEqual({ code: 'SMCP_UPSTREAM_ERROR', retry_after_ms: 7000 });
    expect(limited.text).toBe('Service \'items\' answered HTTP 429: {"error":"slow down"}');
    const broken = await call('get', { service: 'items', path: 'broken' });
    expect(code(broken)).toBe('SMCP_UPSTREAM_ERROR');
    expect(broken.text).toContain('HTTP 500');
    const missing = await call('get', { service: 'items', path: 'items/999' });
    expect(missing.text).toBe('Service \'items\' answered HTTP 404: {"error":"not found"}');
  });

  it('an answer longer than max_response_bytes is cut off and refused, with or without a length', async () => {
    for (const path of ['big?bytes=1000000', 'declared-big']) {
      const result = await call('get', { service: 'items', path });
      expect(readErrorMeta(result.raw)).toEqual({
        code: 'SMCP_LIMIT_EXCEEDED',
        limit: { name: 'max_response_bytes', value: 100_000 },
      });
    }
    const fits = await call('get', { service: 'items', path: 'big?bytes=100000' });
    expect(fits.json<{ text: string }>().text).toHaveLength(100_000);
  });

  it('a body over max_request_bytes is refused before anything is sent', async () => {
    const before = service.requests.length;
    const result = await call('post', { service: 'items', path: 'items', body: { name: 'x'.repeat(2000) } });
    expect(readErrorMeta(result.raw)).toMatchObject({ limit: { name: 'max_request_bytes', value: 1000 } });
    expect(service.requests.length).toBe(before);
  });

  it('a service slower than timeout_ms is given up, well before it answers', async () => {
    const started = Date.now();
    const result = await call('get', { service: 'items', path: 'slow', params: { ms: 20_000 } });
    expect(readErrorMeta(result.raw)).toEqual({
      code: 'SMCP_LIMIT_EXCEEDED',
      limit: { name: 'timeout_ms', value: 2000 },
    });
    expect(result.text).toBe("Service 'items' did not answer within 2000 ms (timeout_ms)");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("the call's cancellation aborts the request", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const result = await call(
      'get',
      { service: 'items', path: 'slow', params: { ms: 20_000 } },
      controller.signal,
    );
    expect(result.isError).toBe(true);
    expect(Date.now() - started).toBeLessThan(1900);
  });

  it('a refused service is unreachable: nothing listens on the port', async () => {
    const closed = await startItemsService();
    await closed.close();
    const other = await createModuleHarness(httpProxy, {
      config: { allowed_services: [{ name: 'gone', base_url: closed.origin, allow_private: true }] },
    });
    try {
      const result = await other.call('get', { service: 'gone', path: '' });
      expect(code(result)).toBe('SMCP_UPSTREAM_UNAVAILABLE');
      expect(result.text).toBe("Service 'gone' could not be reached (ECONNREFUSED)");
    } finally {
      await other.close();
    }
  });
});

describe('the credential', () => {
  it('never appears in a result, an error, an audit line or an ops line — not even redacted', async () => {
    // Every call above ran; core would redact the value, so the module must not have produced it at all.
    expect(seen.length).toBeGreaterThan(15);
    const everything = JSON.stringify([seen.map((r) => r.raw), h.audit, h.ops]);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain('<redacted-secret>');
    expect(everything).not.toContain('never-resolved');
  });

  it('a service that echoes it back is redacted by core (the module cannot know what a body holds)', async () => {
    const result = await h.call('get', { service: 'items', path: 'echo-auth' });
    expect(result.json()).toEqual({ authorization: 'Bearer <redacted-secret>' });
    expect(JSON.stringify(result.raw)).not.toContain(TOKEN);
  });

  it('a named credential_key is required: without it the module does not start', async () => {
    await expect(
      createModuleHarness(httpProxy, {
        config: {
          allowed_services: [
            { name: 'x', base_url: service.origin, credential_key: 'X_TOKEN', allow_private: true },
          ],
        },
      }),
    ).rejects.toThrow('missing required credential(s): X_TOKEN');
  });

  it('a credential that a header line cannot carry is refused at startup, and not quoted', async () => {
    for (const bad of ['', 'has space', 'line\r\nX-Injected: 1', 'naïve']) {
      const attempt = createModuleHarness(httpProxy, {
        config: {
          allowed_services: [
            { name: 'x', base_url: service.origin, credential_key: 'X_TOKEN', allow_private: true },
          ],
        },
        credentials: { X_TOKEN: bad },
      });
      await expect(attempt).rejects.toThrow(
        "Service 'x': credential 'X_TOKEN' is empty or holds characters a bearer token cannot carry",
      );
      if (bad !== '') await expect(attempt).rejects.not.toThrow(bad);
    }
  });
});

describe('modes', () => {
  it('read mode registers get only', async () => {
    const read = await createModuleHarness(httpProxy, {
      mode: 'read',
      config: { allowed_services: [{ name: 'x', base_url: service.origin, allow_private: true }] },
    });
    try {
      expect(read.toolNames).toEqual(['http_proxy_get']);
    } finally {
      await read.close();
    }
  });

  it('tool names match the reference: http_proxy_get, _post, _put, _delete', () => {
    expect([...h.toolNames].sort()).toEqual([
      'http_proxy_delete',
      'http_proxy_get',
      'http_proxy_post',
      'http_proxy_put',
    ]);
  });
});
