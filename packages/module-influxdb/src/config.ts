import { z } from '@scoped-mcp/core';
import { timeoutSetting } from '@scoped-mcp/service-http';

const MIB = 1024 * 1024;

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const BUCKET_NAME = /^[^\u0000-\u001f\u007f]{1,255}$/;

export const influxdbConfig = z.strictObject({
  org: z
    .string()
    .min(1)
    .optional()
    .describe(
      'InfluxDB organisation name; the INFLUXDB_ORG credential overrides it. One of the two is required.',
    ),
  buckets: z
    .array(z.string().regex(BUCKET_NAME, 'a bucket name is 1-255 characters, no control characters'))
    .min(1, "influxdb module requires a non-empty 'buckets' list in config")
    .describe(
      'Buckets the agent may query, write and delete from. Buckets the agent creates ({agent_id}-{name}) are added for it, and remembered in state_dir.',
    ),
  state_dir: z
    .string()
    .min(1)
    .default('./.scoped-mcp-data/influxdb')
    .describe(
      'Directory keeping the names of the buckets each agent created, {state_dir}/agents/{agent_id}/{instance}-buckets.json, so a restart keeps them (default ./.scoped-mcp-data/influxdb). Relative to the manifest.',
    ),
  allow_plain_http: z
    .boolean()
    .default(false)
    .describe(
      'Send the token over plain http to a host that is not loopback (a trusted LAN). Default false: such a URL is refused at startup.',
    ),
  timeout_ms: timeoutSetting({
    defaultMs: 15_000,
    minMs: 100,
    maxMs: 300_000,
    description: 'Limit for one request other than a query, in ms (default 15000).',
  }),
  query_timeout_ms: timeoutSetting({
    defaultMs: 30_000,
    minMs: 100,
    maxMs: 300_000,
    description: 'Limit for a query (query, list_measurements, get_schema), in ms (default 30000).',
  }),
  max_rows: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(10_000)
    .describe('Most rows a query returns; more is an error asking for a narrower query (default 10000).'),
  max_response_bytes: z
    .number()
    .int()
    .min(1024)
    .max(256 * MIB)
    .default(16 * MIB)
    .describe('Largest answer read from InfluxDB, in bytes (default 16 MiB).'),
  max_points: z
    .number()
    .int()
    .min(1)
    .max(1_000_000)
    .default(5000)
    .describe('Most points one write_points call takes (default 5000).'),
});

export type InfluxdbConfig = z.output<typeof influxdbConfig>;
