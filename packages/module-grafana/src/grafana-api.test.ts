import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readErrorMeta } from '@scoped-mcp/core';
import { createModuleHarness } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BASE_PATH, type GrafanaWorld, grafanaWorld, TOKEN } from './__fixtures__/grafana-world.js';
import grafana from './index.js';

let world: GrafanaWorld;
const seen: string[] = [];
beforeEach(async () => {
  world = await grafanaWorld();
  seen.length = 0;
});
afterEach(async () => {
  // The credential canaries: neither the token nor the URL (its sub path) nor the mark of core's redaction,
  // which would mean the module put one there, appears in anything an agent or operator reads.
  const everything = `${seen.join('\n')}\n${world.everything()}`;
  expect(everything).not.toContain(TOKEN);
  expect(everything).not.toContain(BASE_PATH);
  expect(everything).not.toContain('127.0.0.1');
  expect(everything).not.toContain('<redacted-secret>');
  await world.close();
});

async function call(agent: Awaited<ReturnType<GrafanaWorld['agent']>>, tool: string, args: object = {}) {
  const result = await agent.call(tool, args);
  seen.push(result.text, JSON.stringify(result.raw));
  return result;
}

const meta = (result: { raw: Parameters<typeof readErrorMeta>[0] }) => readErrorMeta(result.raw);

describe('Grafana failures reach the agent as one line it can act on', () => {
  it('429 with Retry-After: unavailable, with the retry time', async () => {
    const agent = await world.agent('ops-01');
    world.server.override('GET /api/folders', {
      status: 429,
      body: { message: 'Too many requests' },
      headers: { 'retry-after': '7' },
    });
    const result = await call(agent, 'list_dashboards');
    expect(result.isError).toBe(true);
    expect(meta(result)).toMatchObject({ code: 'SMCP_UPSTREAM_UNAVAILABLE', retry_after_ms: 7000 });
    expect(result.text).toContain('HTTP 429');
  });

  it('5xx: unavailable', async () => {
    const agent = await world.agent('ops-01');
    world.server.override('GET /api/folders', {
      status: 502,
      rawBody: '<html>Bad Gateway</html>',
      headers: { 'content-type': 'text/html' },
    });
    const result = await call(agent, 'list_dashboards');
    expect(meta(result)?.code).toBe('SMCP_UPSTREAM_UNAVAILABLE');
    expect(result.text).toContain('HTTP 502');
  });

  it('a wrong token: the operator is told to check it, the token is not shown', async () => {
    const agent = await createModuleHarness(grafana, {
      credentials: {
        GRAFANA_URL: world.server.url,
        GRAFANA_SERVICE_ACCOUNT_TOKEN: 'glsa_wrong_CANARY_77aa11',
      },
    });
    try {
      const result = await agent.call('list_dashboards');
      seen.push(
        result.text,
        JSON.stringify(result.raw),
        JSON.stringify(agent.audit),
        JSON.stringify(agent.ops),
      );
      expect(meta(result)?.code).toBe('SMCP_UPSTREAM_ERROR');
      expect(result.text).toContain('service account token');
      expect(`${seen.join('')}`).not.toContain('glsa_wrong_CANARY_77aa11');
    } finally {
      await agent.close();
    }
  });

  it('a redirect is not followed', async () => {
    let followed = 0;
    const elsewhere = createServer((_req, res) => {
      followed++;
      res.end('[]');
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    const port = (elsewhere.address() as AddressInfo).port;
    try {
      const agent = await world.agent('ops-01');
      world.server.override('GET /api/folders', {
        status: 302,
        headers: { location: `http://127.0.0.1:${port}/api/folders` },
      });
      const result = await call(agent, 'list_dashboards');
      expect(meta(result)?.code).toBe('SMCP_UPSTREAM_ERROR');
      expect(result.text).toContain('redirect (HTTP 302), which is not followed');
      expect(followed).toBe(0);
    } finally {
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });

  it('a slow answer past timeout_ms is cut off', async () => {
    const agent = await world.agent('ops-01', { config: { timeout_ms: 200 } });
    world.server.override('GET /api/folders', { status: 200, body: [], delayMs: 3000 });
    const started = performance.now();
    const result = await call(agent, 'list_dashboards');
    expect(performance.now() - started).toBeLessThan(2500);
    expect(meta(result)).toMatchObject({
      code: 'SMCP_LIMIT_EXCEEDED',
      limit: { name: 'timeout_ms', value: 200 },
    });
    expect(result.text).toContain('within 200 ms (timeout_ms)');
  });

  it('query_datasource has its own, longer limit', async () => {
    world.server.addDatasource('Prometheus');
    const agent = await world.agent('ops-01', { config: { timeout_ms: 200, query_timeout_ms: 1500 } });
    // Slower than timeout_ms, within query_timeout_ms: answered.
    world.server.override('POST /api/ds/query', { status: 200, body: { results: {} }, delayMs: 500 });
    expect((await call(agent, 'query_datasource', { datasource: 'Prometheus', query: 'up' })).isError).toBe(
      false,
    );
    world.server.override('POST /api/ds/query', { status: 200, body: { results: {} }, delayMs: 4000 });
    const slow = await call(agent, 'query_datasource', { datasource: 'Prometheus', query: 'up' });
    expect(slow.text).toContain('within 1500 ms (query_timeout_ms)');
    expect(meta(slow)).toMatchObject({ limit: { name: 'query_timeout_ms', value: 1500 } });
  });

  it('an answer larger than max_response_bytes fails the call', async () => {
    const agent = await world.agent('ops-01', { config: { max_response_bytes: 4096 } });
    const big = Array.from({ length: 200 }, (_, i) => ({
      id: i,
      uid: `u${i}`,
      title: `folder ${'x'.repeat(40)}`,
    }));
    world.server.override('GET /api/folders', { status: 200, body: big });
    const result = await call(agent, 'list_dashboards');
    expect(meta(result)).toMatchObject({
      code: 'SMCP_LIMIT_EXCEEDED',
      limit: { name: 'max_response_bytes', value: 4096 },
    });
  });

  it('a 200 that is not JSON is an upstream error', async () => {
    const agent = await world.agent('ops-01');
    world.server.override('GET /api/folders', { status: 200, rawBody: '<html>login</html>' });
    const result = await call(agent, 'list_dashboards');
    expect(meta(result)?.code).toBe('SMCP_UPSTREAM_ERROR');
  });

  it('Grafana down: unavailable, naming the failure but not the host', async () => {
    const agent = await world.agent('ops-01');
    await world.server.stop();
    const result = await call(agent, 'list_dashboards');
    expect(meta(result)?.code).toBe('SMCP_UPSTREAM_UNAVAILABLE');
    expect(result.text).toContain('ECONNREFUSED');
  });

  it("the call's cancellation aborts the request", async () => {
    const agent = await world.agent('ops-01');
    world.server.override('GET /api/folders', { status: 200, body: [], delayMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const result = await agent.call('list_dashboards', {}, { signal: controller.signal });
    seen.push(result.text);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(result.isError).toBe(true);
    expect(result.text).toContain('cancelled');
  });

  it("the call's cancellation aborts a request of its own", async () => {
    const agent = await world.agent('ops-01');
    const { uid } = (await call(agent, 'create_dashboard', { title: 'T', panels: [] })).json<{
      uid: string;
    }>();
    world.server.override(`GET /api/dashboards/uid/${uid}`, { status: 200, body: {}, delayMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const result = await agent.call('get_dashboard', { uid }, { signal: controller.signal });
    seen.push(result.text);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(result.text).toContain('cancelled');
  });

  it('successes carry no credential either', async () => {
    const prometheus = world.server.addDatasource('Prometheus');
    const agent = await world.agent('ops-01');
    const { uid } = (await call(agent, 'create_dashboard', { title: 'T', panels: [{ title: 'p' }] })).json<{
      uid: string;
    }>();
    for (const [tool, args] of [
      ['list_dashboards', {}],
      ['get_dashboard', { uid }],
      ['update_dashboard', { uid, panels: [] }],
      ['list_datasources', {}],
      ['query_datasource', { datasource: 'Prometheus', query: 'up' }],
      [
        'create_alert_rule',
        {
          name: 'r',
          condition: {
            data: [
              { refId: 'A', datasourceUid: prometheus, model: {} },
              { refId: 'C', datasourceUid: '__expr__', model: {} },
            ],
          },
        },
      ],
      ['delete_dashboard', { uid }],
    ] as const) {
      expect((await call(agent, tool, args)).isError, tool).toBe(false);
    }
  });
});
