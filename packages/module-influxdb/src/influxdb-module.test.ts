import { readErrorMeta } from '@scoped-mcp/core';
import { connectInMemory } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type InfluxdbWorld, influxdbWorld, ORG, TOKEN } from './__fixtures__/influxdb-world.js';
import influxdb from './index.js';

let world: InfluxdbWorld;
beforeEach(async () => {
  world = await influxdbWorld();
});
afterEach(() => world.close());

describe('write and read back', () => {
  it('write_points sends line protocol built by the client library', async () => {
    const agent = await world.agent('ops-01');
    const result = await agent.call('write_points', {
      bucket: 'metrics',
      measurement: 'docker_cpu',
      points: [
        {
          tags: { container: 'web 1', host: 'a,b=c' },
          fields: { usage: 94.5, cores: 4, ok: true, note: 'say "hi"' },
          time: '1700000000000000000',
        },
        { fields: { usage: 12.25 } },
      ],
    });
    expect(result.isError).toBe(false);
    expect(result.json()).toEqual({ written: 2 });
    const write = world.server.requests.find((r) => r.path === '/api/v2/write');
    expect(write?.headers.authorization).toBe(`Token ${TOKEN}`);
    expect(Object.fromEntries(write?.query ?? [])).toEqual({ org: ORG, bucket: 'metrics', precision: 'ns' });
    expect(write?.body).toBe(
      // The library writes tags and fields sorted by key.
      'docker_cpu,container=web\\ 1,host=a\\,b\\=c cores=4i,note="say \\"hi\\"",ok=T,usage=94.5 1700000000000000000\n' +
        'docker_cpu usage=12.25',
    );
    expect(world.server.points.get('metrics')?.[0]).toEqual({
      measurement: 'docker_cpu',
      tags: { container: 'web 1', host: 'a,b=c' },
      fields: { usage: 94.5, cores: 4, ok: true, note: 'say "hi"' },
      time: '1700000000000000000',
    });
  });

  it('query builds Flux from the filters and returns typed rows parsed from annotated CSV', async () => {
    const agent = await world.agent('ops-01');
    await agent.call('write_points', {
      bucket: 'metrics',
      measurement: 'docker_cpu',
      points: [{ tags: { container: 'x' }, fields: { usage: 94.5 }, time: '1700000000000000000' }],
    });
    const result = await agent.call('query', {
      bucket: 'metrics',
      filters: [{ field: '_measurement', op: '==', value: 'docker_cpu' }],
    });
    expect(result.isError).toBe(false);
    expect(world.server.fluxQueries.at(-1)).toBe(
      'from(bucket: "metrics") |> range(start: duration(v: "-1h"), stop: now()) |> filter(fn: (r) => r._measurement == "docker_cpu")',
    );
    expect(result.json()).toEqual([
      {
        result: '_result',
        table: 0,
        _time: '2023-11-14T22:13:20.000Z',
        _value: 94.5,
        _field: 'usage',
        _measurement: 'docker_cpu',
        container: 'x',
      },
    ]);
    expect(result.raw.structuredContent).toEqual({ result: result.json() });
  });

  it('query reads quoted values and several tables with the library parser', async () => {
    const agent = await world.agent('ops-01');
    world.server.cannedQueries.push([
      {
        columns: [
          { name: 'result', type: 'string' },
          { name: 'table', type: 'long' },
          { name: '_value', type: 'string' },
          { name: 'host', type: 'string' },
        ],
        rows: [['_result', '0', 'a, "quoted"\nvalue', 'h1']],
      },
      {
        columns: [
          { name: 'result', type: 'string' },
          { name: 'table', type: 'long' },
          { name: '_value', type: 'long' },
        ],
        rows: [
          ['_result', '1', '42'],
          ['_result', '1', '43'],
        ],
      },
    ]);
    const result = await agent.call('query', {
      bucket: 'metrics',
      filters: [{ field: 'host', op: '!=', value: '' }],
    });
    expect(result.json()).toEqual([
      { result: '_result', table: 0, _value: 'a, "quoted"\nvalue', host: 'h1' },
      { result: '_result', table: 1, _value: 42 },
      { result: '_result', table: 1, _value: 43 },
    ]);
  });

  it('list_measurements and get_schema use the schema package', async () => {
    const agent = await world.agent('ops-01');
    await agent.call('write_points', {
      bucket: 'metrics',
      measurement: 'docker_cpu',
      points: [{ tags: { container: 'x' }, fields: { usage: 1.5 } }],
    });
    await agent.call('write_points', {
      bucket: 'metrics',
      measurement: 'disk',
      points: [{ fields: { free: 1 } }],
    });
    const measurements = await agent.call('list_measurements', { bucket: 'metrics' });
    expect(measurements.json()).toEqual(['disk', 'docker_cpu']);
    const schema = await agent.call('get_schema', { bucket: 'metrics', measurement: 'docker_cpu' });
    expect(schema.json()).toEqual({
      fields: ['usage'],
      tags: ['_field', '_measurement', '_start', '_stop', 'container'],
    });
    expect(world.server.fluxQueries.slice(-3)).toEqual([
      'import "influxdata/influxdb/schema"\nschema.measurements(bucket: "metrics")',
      'import "influxdata/influxdb/schema"\nschema.measurementFieldKeys(bucket: "metrics", measurement: "docker_cpu")',
      'import "influxdata/influxdb/schema"\nschema.measurementTagKeys(bucket: "metrics", measurement: "docker_cpu")',
    ]);
  });

  it('delete_points posts the measurement predicate', async () => {
    const agent = await world.agent('ops-01');
    await agent.call('write_points', {
      bucket: 'metrics',
      measurement: 'disk',
      points: [{ fields: { free: 1 } }],
    });
    const result = await agent.call('delete_points', {
      bucket: 'metrics',
      measurement: 'disk',
      start: '2024-01-01T00:00:00Z',
      stop: '2024-02-01T00:00:00Z',
    });
    expect(result.isError).toBe(false);
    const del = world.server.requests.find((r) => r.path === '/api/v2/delete');
    expect(Object.fromEntries(del?.query ?? [])).toEqual({ org: ORG, bucket: 'metrics' });
    expect(JSON.parse(del?.body ?? '')).toEqual({
      start: '2024-01-01T00:00:00Z',
      stop: '2024-02-01T00:00:00Z',
      predicate: '_measurement="disk"',
    });
    expect(world.server.points.get('metrics')).toEqual([]);
  });
});

describe('create_bucket', () => {
  it('creates {agent_id}-{name} in the org with the retention, and allows it', async () => {
    const agent = await world.agent('ops-01');
    const result = await agent.call('create_bucket', { name: 'scratch', retention_days: 7 });
    expect(result.isError).toBe(false);
    expect(result.json()).toMatchObject({ name: 'ops-01-scratch', retention_days: 7 });
    const orgs = world.server.requests.find((r) => r.path === '/api/v2/orgs');
    expect(orgs?.query.get('org')).toBe(ORG);
    const post = world.server.requests.find((r) => r.path === '/api/v2/buckets' && r.method === 'POST');
    expect(JSON.parse(post?.body ?? '')).toEqual({
      orgID: world.server.orgs[0]?.id,
      name: 'ops-01-scratch',
      retentionRules: [{ type: 'expire', everySeconds: 7 * 86_400 }],
    });
    const write = await agent.call('write_points', {
      bucket: 'ops-01-scratch',
      measurement: 'm',
      points: [{ fields: { v: 1 } }],
    });
    expect(write.isError).toBe(false);
  });

  it('retention_days 0 keeps data for ever; the default is 30 days', async () => {
    const agent = await world.agent('ops-01');
    await agent.call('create_bucket', { name: 'forever', retention_days: 0 });
    await agent.call('create_bucket', { name: 'monthly' });
    const posts = world.server.requests
      .filter((r) => r.path === '/api/v2/buckets')
      .map((r) => JSON.parse(r.body));
    expect(posts[0].retentionRules).toEqual([]);
    expect(posts[1].retentionRules).toEqual([{ type: 'expire', everySeconds: 30 * 86_400 }]);
    // The org id is asked once.
    expect(world.server.requests.filter((r) => r.path === '/api/v2/orgs')).toHaveLength(1);
  });

  it('an unknown org is reported as the reference does', async () => {
    const agent = await world.agent('ops-01', { config: { org: 'nope' } });
    const result = await agent.call('create_bucket', { name: 'x' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('HTTP 404');
  });

  it('an existing bucket is refused and not granted', async () => {
    world.server.addBucket('ops-01-prod');
    const agent = await world.agent('ops-01');
    const result = await agent.call('create_bucket', { name: 'prod' });
    expect(result.isError).toBe(true);
    expect(readErrorMeta(result.raw)?.code).toBe('SMCP_TOOL_INPUT');
    expect(result.text).toContain('already exists');
    const query = await agent.call('query', {
      bucket: 'ops-01-prod',
      filters: [{ field: '_field', op: '==', value: 'x' }],
    });
    expect(readErrorMeta(query.raw)?.code).toBe('SMCP_SCOPE_VIOLATION');
  });

  it('INFLUXDB_ORG overrides config.org', async () => {
    const agent = await world.agent('ops-01', {
      config: { org: 'wrong' },
      credentials: { INFLUXDB_ORG: ORG },
    });
    expect((await agent.call('list_measurements', { bucket: 'metrics' })).isError).toBe(false);
    expect(world.server.requests.at(-1)?.query.get('org')).toBe(ORG);
  });

  it('org is required from config or the credential', async () => {
    await expect(world.agent('ops-01', { config: { org: undefined } })).rejects.toThrow(/INFLUXDB_ORG/);
  });
});

describe('over MCP', () => {
  it('serves the reference tool names, read mode the three read tools', async () => {
    const credentials = { INFLUXDB_URL: world.server.url, INFLUXDB_TOKEN: TOKEN };
    const config = { org: ORG, buckets: ['metrics'], state_dir: world.stateDir };
    const write = await connectInMemory(influxdb, { credentials, config });
    const read = await connectInMemory(influxdb, { credentials, config, mode: 'read' });
    try {
      expect((await write.toolNames()).sort()).toEqual([
        'influxdb_create_bucket',
        'influxdb_delete_points',
        'influxdb_get_schema',
        'influxdb_list_measurements',
        'influxdb_query',
        'influxdb_write_points',
        'scoped_mcp_status',
      ]);
      expect((await read.toolNames()).sort()).toEqual([
        'influxdb_get_schema',
        'influxdb_list_measurements',
        'influxdb_query',
        'scoped_mcp_status',
      ]);
      const listed = await write.call('influxdb_list_measurements', { bucket: 'metrics' });
      expect(listed.raw.structuredContent).toEqual({ result: [] });
    } finally {
      await write.close();
      await read.close();
    }
  });
});
