import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readErrorMeta } from '@scoped-mcp/core';
import { createModuleHarness } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type InfluxdbWorld, influxdbWorld, ORG, TOKEN } from './__fixtures__/influxdb-world.js';
import influxdb from './index.js';

let world: InfluxdbWorld;
const seen: string[] = [];
beforeEach(async () => {
  world = await influxdbWorld();
  seen.length = 0;
});
afterEach(async () => {
  // Credential canaries: the token, the URL (its port) and the org given as INFLUXDB_ORG, and the mark of
  // core's redaction (which would mean the module put one there), appear in nothing an agent or operator reads.
  const everything = `${seen.join('\n')}\n${world.everything()}`;
  expect(everything).not.toContain(TOKEN);
  expect(everything).not.toContain(world.server.url);
  expect(everything).not.toContain(ORG);
  expect(everything).not.toContain('<redacted-secret>');
  await world.close();
});

type Agent = Awaited<ReturnType<InfluxdbWorld['agent']>>;
const agentWithOrgCredential = () =>
  world.agent('ops-01', { config: { org: undefined }, credentials: { INFLUXDB_ORG: ORG } });

async function call(agent: Agent, tool: string, args: object) {
  const result = await agent.call(tool, args);
  seen.push(result.text, JSON.stringify(result.raw));
  return result;
}

const meta = (result: { raw: Parameters<typeof readErrorMeta>[0] }) => readErrorMeta(result.raw);
const query = { bucket: 'metrics', filters: [{ field: '_measurement', op: '==', value: 'm' }] };
const write = { bucket: 'metrics', measurement: 'm', points: [{ fields: { v: 1 } }] };

describe('InfluxDB failures reach the agent as one line it can act on', () => {
  it('429 with Retry-After on a write: unavailable, with the retry time, not retried', async () => {
    const agent = await agentWithOrgCredential();
    world.server.override('POST /api/v2/write', {
      status: 429,
      body: JSON.stringify({ code: 'too many requests', message: 'write limit reached' }),
      headers: { 'retry-after': '3' },
    });
    const result = await call(agent, 'write_points', write);
    expect(meta(result)).toMatchObject({ code: 'SMCP_UPSTREAM_UNAVAILABLE', retry_after_ms: 3000 });
    expect(result.text).toContain('write limit reached');
    expect(world.server.requests.filter((r) => r.path === '/api/v2/write')).toHaveLength(1);
  });

  it('5xx on a query: unavailable', async () => {
    const agent = await agentWithOrgCredential();
    world.server.override('POST /api/v2/query', {
      status: 503,
      body: JSON.stringify({ code: 'unavailable', message: 'busy' }),
    });
    const result = await call(agent, 'query', query);
    expect(meta(result)?.code).toBe('SMCP_UPSTREAM_UNAVAILABLE');
    expect(result.text).toContain('HTTP 503');
  });

  it("InfluxDB's refusal of a write reaches the agent as input to fix", async () => {
    const agent = await agentWithOrgCredential();
    world.server.override('POST /api/v2/write', {
      status: 422,
      body: JSON.stringify({
        code: 'unprocessable entity',
        message: 'failure writing points to database: partial write: field type conflict',
      }),
    });
    const result = await call(agent, 'write_points', write);
    expect(meta(result)?.code).toBe('SMCP_TOOL_INPUT');
    expect(result.text).toContain('field type conflict');
  });

  it('a wrong token: the operator is told to check it', async () => {
    const agent = await createModuleHarness(influxdb, {
      config: { org: 'o', buckets: ['metrics'], state_dir: world.stateDir },
      credentials: { INFLUXDB_URL: world.server.url, INFLUXDB_TOKEN: 'influx_wrong_CANARY_5521' },
    });
    try {
      const result = await agent.call('query', query);
      const text = `${result.text}${JSON.stringify(result.raw)}${JSON.stringify(agent.ops)}${JSON.stringify(agent.audit)}`;
      expect(meta(result)?.code).toBe('SMCP_UPSTREAM_ERROR');
      expect(result.text).toContain('INFLUXDB_TOKEN');
      expect(text).not.toContain('influx_wrong_CANARY_5521');
      expect(text).not.toContain(world.server.url);
    } finally {
      await agent.close();
    }
  });

  it('a redirect is not followed', async () => {
    let followed = 0;
    const elsewhere = createServer((_req, res) => {
      followed++;
      res.end();
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    try {
      const agent = await agentWithOrgCredential();
      world.server.override('POST /api/v2/query', {
        status: 307,
        headers: { location: `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/api/v2/query` },
      });
      const result = await call(agent, 'query', query);
      expect(meta(result)?.code).toBe('SMCP_UPSTREAM_ERROR');
      expect(result.text).toContain('redirect (HTTP 307), which is not followed');
      expect(followed).toBe(0);
    } finally {
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });

  it('a slow query past query_timeout_ms is cut off', async () => {
    const agent = await world.agent('ops-01', {
      config: { org: undefined, query_timeout_ms: 300 },
      credentials: { INFLUXDB_ORG: ORG },
    });
    world.server.override('POST /api/v2/query', { status: 200, body: '', delayMs: 3000 });
    const started = performance.now();
    const result = await call(agent, 'query', query);
    expect(performance.now() - started).toBeLessThan(2500);
    expect(meta(result)).toMatchObject({
      code: 'SMCP_LIMIT_EXCEEDED',
      limit: { name: 'query_timeout_ms', value: 300 },
    });
    expect(result.text).toContain('within 300 ms (query_timeout_ms)');
  });

  it('a slow write past timeout_ms is cut off', async () => {
    const agent = await world.agent('ops-01', {
      config: { org: undefined, timeout_ms: 300 },
      credentials: { INFLUXDB_ORG: ORG },
    });
    world.server.override('POST /api/v2/write', { status: 204, delayMs: 3000 });
    const result = await call(agent, 'write_points', write);
    expect(result.text).toContain('within 300 ms (timeout_ms)');
  });

  it('more rows than max_rows fail the query and stop reading', async () => {
    const agent = await world.agent('ops-01', {
      config: { org: undefined, max_rows: 3 },
      credentials: { INFLUXDB_ORG: ORG },
    });
    await call(agent, 'write_points', {
      ...write,
      points: Array.from({ length: 5 }, (_, i) => ({ fields: { v: i }, time: String(i) })),
    });
    const result = await call(agent, 'query', query);
    expect(meta(result), result.text).toMatchObject({
      code: 'SMCP_LIMIT_EXCEEDED',
      limit: { name: 'max_rows', value: 3 },
    });
    const fine = await world.agent('ops-01', {
      config: { org: undefined, max_rows: 5 },
      credentials: { INFLUXDB_ORG: ORG },
    });
    expect((await call(fine, 'query', query)).json()).toHaveLength(5);
  });

  it('an answer larger than max_response_bytes fails the call', async () => {
    const agent = await world.agent('ops-01', {
      config: { org: undefined, max_response_bytes: 2048 },
      credentials: { INFLUXDB_ORG: ORG },
    });
    await call(agent, 'write_points', {
      ...write,
      points: Array.from({ length: 40 }, (_, i) => ({ fields: { note: 'x'.repeat(100) }, time: String(i) })),
    });
    const result = await call(agent, 'query', query);
    expect(meta(result)).toMatchObject({
      code: 'SMCP_LIMIT_EXCEEDED',
      limit: { name: 'max_response_bytes', value: 2048 },
    });
  });

  it('InfluxDB down: unavailable, naming the failure but not the host', async () => {
    const agent = await agentWithOrgCredential();
    await world.server.stop();
    const result = await call(agent, 'list_measurements', { bucket: 'metrics' });
    expect(meta(result)?.code).toBe('SMCP_UPSTREAM_UNAVAILABLE');
    expect(result.text).toContain('ECONNREFUSED');
  });

  it("the call's cancellation aborts the request", async () => {
    const agent = await agentWithOrgCredential();
    world.server.override('POST /api/v2/query', { status: 200, body: '', delayMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const result = await agent.call('query', query, { signal: controller.signal });
    seen.push(result.text);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(result.text).toContain('cancelled');
  });

  it('write_points takes at most max_points points', async () => {
    const agent = await world.agent('ops-01', {
      config: { org: undefined, max_points: 2 },
      credentials: { INFLUXDB_ORG: ORG },
    });
    const result = await call(agent, 'write_points', {
      ...write,
      points: [write.points[0], write.points[0], write.points[0]],
    });
    expect(meta(result)).toMatchObject({
      code: 'SMCP_LIMIT_EXCEEDED',
      limit: { name: 'max_points', value: 2 },
    });
    expect(world.server.requests).toEqual([]);
  });

  it('successes carry no credential either', async () => {
    const agent = await agentWithOrgCredential();
    for (const [tool, args] of [
      ['create_bucket', { name: 'scratch' }],
      ['write_points', { ...write, bucket: 'ops-01-scratch' }],
      ['query', { ...query, bucket: 'ops-01-scratch' }],
      ['list_measurements', { bucket: 'ops-01-scratch' }],
      ['get_schema', { bucket: 'ops-01-scratch', measurement: 'm' }],
      [
        'delete_points',
        {
          bucket: 'ops-01-scratch',
          measurement: 'm',
          start: '2024-01-01T00:00:00Z',
          stop: '2024-01-02T00:00:00Z',
        },
      ],
    ] as const) {
      expect((await call(agent, tool, args)).isError, tool).toBe(false);
    }
  });
});

describe('the InfluxDB URL', () => {
  it.each([
    ['http://influx.lan:8086', /plain http/],
    ['ftp://influx.example.com', /http\(s\)/],
    ['https://user:pw-CANARY@influx.example.com', /user or password/],
    ['https://influx.example.com/?org=x', /query or fragment/],
  ])('%s is refused at startup, naming the setting and not the value', async (url, why) => {
    let message = '';
    try {
      await createModuleHarness(influxdb, {
        config: { org: 'o', buckets: ['b'], state_dir: world.stateDir },
        credentials: { INFLUXDB_URL: url, INFLUXDB_TOKEN: 't0ken-value' },
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(why);
    expect(message).toContain('INFLUXDB_URL');
    expect(message).not.toContain(url);
    expect(message).not.toContain('CANARY');
  });

  it('plain http to a LAN host is allowed when the operator says so', async () => {
    const agent = await createModuleHarness(influxdb, {
      config: { org: 'o', buckets: ['b'], state_dir: world.stateDir, allow_plain_http: true },
      credentials: { INFLUXDB_URL: 'http://influx.lan:8086', INFLUXDB_TOKEN: 't0ken-value' },
    });
    await agent.close();
  });
});
