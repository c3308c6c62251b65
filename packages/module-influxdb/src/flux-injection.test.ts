import { readErrorMeta } from '@scoped-mcp/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type InfluxdbWorld, influxdbWorld } from './__fixtures__/influxdb-world.js';

// No raw Flux is accepted: a filter is { field, op, value } and the query is built by the module. Each case
// is either refused before anything is sent, or sent with the value escaped, which the exact Flux text the
// server received shows.

let world: InfluxdbWorld;
beforeEach(async () => {
  world = await influxdbWorld();
});
afterEach(() => world.close());

const prefix =
  'from(bucket: "metrics") |> range(start: duration(v: "-1h"), stop: now()) |> filter(fn: (r) => ';

const refused: [string, Record<string, unknown>][] = [
  ['field closing the call', { filters: [{ field: 'm") |> drop(columns: ["x"])', op: '==', value: 'x' }] }],
  ['field with a comment', { filters: [{ field: '_measurement == "x" or true //', op: '==', value: 'x' }] }],
  ['field with a dot', { filters: [{ field: 'a.b', op: '==', value: 'x' }] }],
  ['field as index', { filters: [{ field: 'r["x"]', op: '==', value: 'x' }] }],
  ['field with a digit first', { filters: [{ field: '1abc', op: '==', value: 'x' }] }],
  ['field with a newline', { filters: [{ field: 'a\nb', op: '==', value: 'x' }] }],
  ['field in unicode', { filters: [{ field: 'ünï', op: '==', value: 'x' }] }],
  ['field empty', { filters: [{ field: '', op: '==', value: 'x' }] }],
  ['op with a tail', { filters: [{ field: 'host', op: '== "x" or r.host', value: 'x' }] }],
  ['op ===', { filters: [{ field: 'host', op: '===', value: 'x' }] }],
  ['op in', { filters: [{ field: 'host', op: 'in', value: 'x' }] }],
  ['op |>', { filters: [{ field: 'host', op: '|>', value: 'x' }] }],
  ['value as an object', { filters: [{ field: 'host', op: '==', value: { $ne: 1 } }] }],
  ['value null', { filters: [{ field: 'host', op: '==', value: null }] }],
  ['value as a list', { filters: [{ field: 'host', op: '==', value: ['a'] }] }],
  ['a regex op with a number', { filters: [{ field: 'host', op: '=~', value: 5 }] }],
  ['a regex that does not compile', { filters: [{ field: 'host', op: '=~', value: '(unclosed' }] }],
  ['a regex with a reversed range', { filters: [{ field: 'host', op: '!~', value: '[z-a]' }] }],
  ['an extra key in a filter', { filters: [{ field: 'host', op: '==', value: 'x', raw: ') |> drop()' }] }],
  ['no filter at all', { filters: [] }],
  [
    'a raw flux argument',
    { filters: [{ field: 'host', op: '==', value: 'x' }], flux: 'from(bucket:"logs")' },
  ],
  [
    'a start that closes range()',
    { filters: [{ field: 'host', op: '==', value: 'x' }], range_start: '-1h) |> drop(' },
  ],
  [
    'a start with arithmetic',
    { filters: [{ field: 'host', op: '==', value: 'x' }], range_start: 'now() - 1h' },
  ],
  [
    'an RFC3339 stop with a tail',
    { filters: [{ field: 'host', op: '==', value: 'x' }], range_stop: '2024-01-01T00:00:00Z")' },
  ],
  [
    'a logical op with a tail',
    { filters: [{ field: 'host', op: '==', value: 'x' }], logical_op: 'or true or' },
  ],
];

describe('refused before any request', () => {
  it.each(refused)('%s', async (_name, args) => {
    const agent = await world.agent('ops-01');
    const result = await agent.call('query', { bucket: 'metrics', ...args });
    expect(result.isError).toBe(true);
    expect(readErrorMeta(result.raw)?.code).toBe('SMCP_TOOL_INPUT');
    expect(world.server.requests).toEqual([]);
  });

  it.each(['m") |> drop(', 'm"', 'm\n', 'm m', '', 'a'.repeat(129), '1m', 'm,tag=x'])(
    'measurement %j in get_schema, write_points and delete_points',
    async (measurement) => {
      const agent = await world.agent('ops-01');
      for (const [tool, args] of [
        ['get_schema', {}],
        ['write_points', { points: [{ fields: { v: 1 } }] }],
        ['delete_points', { start: '2024-01-01T00:00:00Z', stop: '2024-01-02T00:00:00Z' }],
      ] as const) {
        const result = await agent.call(tool, { bucket: 'metrics', measurement, ...args });
        expect(readErrorMeta(result.raw)?.code, tool).toBe('SMCP_TOOL_INPUT');
      }
      expect(world.server.requests).toEqual([]);
    },
  );
});

const accepted: [string, { field: string; op: string; value: unknown }, string][] = [
  [
    'a quote that tries to close the string',
    { field: '_measurement', op: '==', value: 'x") |> drop(columns: ["_value"]) //' },
    'r._measurement == "x\\") |> drop(columns: [\\"_value\\"]) //"',
  ],
  ['a newline', { field: 'host', op: '==', value: 'a\nb' }, 'r.host == "a\\nb"'],
  ['a carriage return and a tab', { field: 'host', op: '==', value: 'a\r\tb' }, 'r.host == "a\\r\\tb"'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Flux's interpolation, sent as text on purpose
  ['string interpolation', { field: 'host', op: '==', value: '${token}' }, 'r.host == "\\${token}"'],
  ['a backslash at the end', { field: 'host', op: '==', value: 'x\\' }, 'r.host == "x\\\\"'],
  ['a comment', { field: 'host', op: '!=', value: '// drop' }, 'r.host != "// drop"'],
  ['a pipe', { field: 'host', op: '==', value: '|> yield()' }, 'r.host == "|> yield()"'],
  ['unicode', { field: 'host', op: '==', value: 'café ☃ \u2028' }, 'r.host == "café ☃ \u2028"'],
  ['an integer', { field: '_value', op: '>=', value: 42 }, 'r._value >= 42'],
  ['a float', { field: '_value', op: '<', value: -3.5 }, 'r._value < -3.5'],
  ['a boolean', { field: 'ok', op: '==', value: true }, 'r.ok == true'],
  ['a regex', { field: 'container', op: '=~', value: '^web-\\d+$' }, 'r.container =~ /^web-\\d+$/'],
  [
    'a regex with a slash that tries to end the literal',
    { field: 'container', op: '!~', value: 'a/ or true or /b' },
    'r.container !~ /a\\/ or true or \\/b/',
  ],
  ['a regex with a newline', { field: 'container', op: '=~', value: 'a\nb' }, 'r.container =~ /a\\nb/'],
];

describe('escaped by the client library', () => {
  it.each(accepted)('%s', async (_name, item, predicate) => {
    const agent = await world.agent('ops-01');
    const result = await agent.call('query', { bucket: 'metrics', filters: [item] });
    expect(result.isError, result.text).toBe(false);
    expect(world.server.fluxQueries).toEqual([`${prefix}${predicate})`]);
  });

  it('filters combine with or, and times become Flux time values', async () => {
    const agent = await world.agent('ops-01');
    await agent.call('query', {
      bucket: 'metrics',
      filters: [
        { field: 'host', op: '==', value: 'a' },
        { field: 'host', op: '==', value: 'b' },
      ],
      range_start: '2024-01-01T00:00:00Z',
      range_stop: '-5m',
      logical_op: 'or',
    });
    expect(world.server.fluxQueries).toEqual([
      'from(bucket: "metrics") |> range(start: time(v: "2024-01-01T00:00:00Z"), stop: duration(v: "-5m")) |> filter(fn: (r) => r.host == "a" or r.host == "b")',
    ]);
  });

  it('a bucket name the operator allowlisted is escaped too', async () => {
    world.server.addBucket('team "a"');
    const agent = await world.agent('ops-01', { config: { buckets: ['team "a"'] } });
    const result = await agent.call('list_measurements', { bucket: 'team "a"' });
    expect(result.isError, result.text).toBe(false);
    expect(world.server.fluxQueries).toEqual([
      'import "influxdata/influxdb/schema"\nschema.measurements(bucket: "team \\"a\\"")',
    ]);
  });
});
