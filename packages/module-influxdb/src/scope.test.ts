import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readErrorMeta } from '@scoped-mcp/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type InfluxdbWorld, influxdbWorld } from './__fixtures__/influxdb-world.js';

let world: InfluxdbWorld;
beforeEach(async () => {
  world = await influxdbWorld();
});
afterEach(() => world.close());

const code = (result: { raw: Parameters<typeof readErrorMeta>[0] }) => readErrorMeta(result.raw)?.code;
const any = [{ field: '_measurement', op: '==', value: 'm' }];

/** Every tool that names a bucket, with arguments that are otherwise valid. */
const bucketCalls = (bucket: string) =>
  [
    ['query', { bucket, filters: any }],
    ['list_measurements', { bucket }],
    ['get_schema', { bucket, measurement: 'm' }],
    ['write_points', { bucket, measurement: 'm', points: [{ fields: { v: 1 } }] }],
    [
      'delete_points',
      { bucket, measurement: 'm', start: '2024-01-01T00:00:00Z', stop: '2024-01-02T00:00:00Z' },
    ],
  ] as const;

describe('buckets outside the allowlist', () => {
  it.each([
    'logs',
    '../metrics',
    'metrics/../logs',
    'METRICS',
    'metrics ',
    'metrics\u0000',
    '*',
    '_monitoring',
  ])('%j is refused by every tool with the reference message, before any request', async (bucket) => {
    const agent = await world.agent('ops-01');
    for (const [tool, args] of bucketCalls(bucket)) {
      const result = await agent.call(tool, args);
      expect(code(result), tool).toBe('SMCP_SCOPE_VIOLATION');
      expect(result.text).toBe(
        `Bucket '${bucket}' is not in the allowlisted buckets for this agent. Allowed: ["metrics"]`,
      );
    }
    expect(world.server.requests).toEqual([]);
  });

  it("another agent's bucket is refused", async () => {
    const theirs = await world.agent('ops-02');
    expect((await theirs.call('create_bucket', { name: 'private' })).isError).toBe(false);
    const mine = await world.agent('ops-01');
    world.server.requests.length = 0;
    for (const [tool, args] of bucketCalls('ops-02-private')) {
      expect(code(await mine.call(tool, args)), tool).toBe('SMCP_SCOPE_VIOLATION');
    }
    expect(world.server.requests).toEqual([]);
  });

  it('agent a does not get the buckets of agent a-b (a prefix of its id)', async () => {
    const ab = await world.agent('a-b');
    expect((await ab.call('create_bucket', { name: 'x' })).isError).toBe(false);
    const a = await world.agent('a');
    world.server.requests.length = 0;
    // 'a-b-x' reads as agent 'a' + 'b-x' too; only the record of what 'a' created decides.
    expect(code(await a.call('query', { bucket: 'a-b-x', filters: any }))).toBe('SMCP_SCOPE_VIOLATION');
    expect(world.server.requests).toEqual([]);
  });

  it('a bucket named like the agent’s own but made by someone else is not granted', async () => {
    world.server.addBucket('ops-01-archive');
    const agent = await world.agent('ops-01');
    expect(code(await agent.call('list_measurements', { bucket: 'ops-01-archive' }))).toBe(
      'SMCP_SCOPE_VIOLATION',
    );
    expect(world.server.requests).toEqual([]);
  });

  it.each(['../x', 'a b', 'x"', '_x', '-x', '', 'x'.repeat(65), 'a/b', 'x\n'])(
    'create_bucket refuses the name %j before any request',
    async (name) => {
      const agent = await world.agent('ops-01');
      expect(code(await agent.call('create_bucket', { name }))).toBe('SMCP_TOOL_INPUT');
      expect(world.server.requests).toEqual([]);
    },
  );
});

describe('created buckets are remembered', () => {
  it('across a restart of the agent, in its own file', async () => {
    const first = await world.agent('ops-01');
    expect((await first.call('create_bucket', { name: 'scratch' })).isError).toBe(false);
    await first.close();
    const file = join(world.stateDir, 'agents', 'ops-01', 'influxdb-buckets.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ buckets: ['ops-01-scratch'] });
    const again = await world.agent('ops-01');
    const result = await again.call('write_points', {
      bucket: 'ops-01-scratch',
      measurement: 'm',
      points: [{ fields: { v: 1 } }],
    });
    expect(result.isError, result.text).toBe(false);
    // Another agent's restart reads its own file only.
    const other = await world.agent('ops-02');
    expect(code(await other.call('list_measurements', { bucket: 'ops-01-scratch' }))).toBe(
      'SMCP_SCOPE_VIOLATION',
    );
  });

  it('by another process of the same agent, already running', async () => {
    const one = await world.agent('ops-01');
    const two = await world.agent('ops-01');
    expect((await one.call('create_bucket', { name: 'shared' })).isError).toBe(false);
    expect((await two.call('list_measurements', { bucket: 'ops-01-shared' })).isError).toBe(false);
    expect((await two.call('create_bucket', { name: 'second' })).isError).toBe(false);
    const file = join(world.stateDir, 'agents', 'ops-01', 'influxdb-buckets.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ buckets: ['ops-01-second', 'ops-01-shared'] });
  });

  it('a bucket that could not be remembered is not created', async () => {
    const agent = await world.agent('ops-01');
    const dir = join(world.stateDir, 'agents', 'ops-01');
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(world.stateDir, 'agents'), { recursive: true });
    await writeFile(dir, 'not a directory');
    const result = await agent.call('create_bucket', { name: 'lost' });
    expect(code(result)).toBe('SMCP_TOOL_FAILED');
    expect(result.text).toContain('nothing was created');
    expect(world.server.requests).toEqual([]);
    expect(world.server.buckets.map((b) => b.name)).not.toContain('ops-01-lost');
  });

  it('a damaged record stops the module at startup rather than forgetting buckets', async () => {
    const first = await world.agent('ops-01');
    await first.call('create_bucket', { name: 'scratch' });
    await writeFile(join(world.stateDir, 'agents', 'ops-01', 'influxdb-buckets.json'), '{"buckets": [1');
    await expect(world.agent('ops-01')).rejects.toThrow(/not JSON/);
  });
});
