import { defineModule, type JsonValue, LimitExceededError, z } from '@scoped-mcp/core';
import { influxdbConfig } from './config.js';
import {
  filter,
  filterQuery,
  measurement,
  measurementPredicate,
  measurementsQuery,
  schemaKeysQuery,
  timeBound,
} from './flux-query.js';
import { lineProtocol, point } from './points.js';
import { createInfluxdbState } from './state.js';

const bucket = z.string().min(1).max(255).describe('Bucket name: an allowlisted one, or one you created.');

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

const rows = z.array(z.record(z.string(), z.unknown()));

const DAY_SECONDS = 86_400;

export default defineModule({
  name: 'influxdb',
  description:
    "InfluxDB v2, scoped to the operator's allowlisted buckets and the buckets the agent creates ({agent_id}-{name}). Queries are built from structured filters: no raw Flux is ever accepted.",
  config: influxdbConfig,
  credentials: { required: ['INFLUXDB_URL', 'INFLUXDB_TOKEN'], optional: ['INFLUXDB_ORG'] },
  setup: createInfluxdbState,
  teardown: (state) => state.client.close(),
  tools: (tool) => ({
    query: tool({
      mode: 'read',
      title: 'Query a bucket',
      description:
        'Query a bucket with structured filters, combined with and/or, over a time range (default the last hour). Each filter is { field, op, value }: field is a column such as _measurement, _field, _value or a tag; op one of == != < <= > >= =~ !~ (=~ and !~ take an RE2 regular expression). Returns the rows as objects, values typed (numbers, booleans, strings). Raw Flux is not accepted.',
      input: z.strictObject({
        bucket,
        filters: z.array(filter).min(1).max(50).describe('At least one filter.'),
        range_start: timeBound
          .default('-1h')
          .describe("Start: a duration (-1h, default), 'now()' or RFC3339."),
        range_stop: timeBound.default('now()').describe("Stop: 'now()' (default), a duration or RFC3339."),
        logical_op: z.enum(['and', 'or']).default('and').describe('How filters combine (default and).'),
      }),
      output: rows,
      annotations: { openWorldHint: true },
      async handler(args, { state, signal, instance }) {
        await state.checkBucket(args.bucket);
        const query = filterQuery({
          bucket: args.bucket,
          filters: args.filters,
          start: args.range_start,
          stop: args.range_stop,
          logicalOp: args.logical_op,
        });
        return (await state.client.queryRows(query, { tool: `${instance}_query`, signal })) as JsonValue;
      },
    }),
    list_measurements: tool({
      mode: 'read',
      title: 'List the measurements of a bucket',
      description: 'List the measurement names in a bucket you may read.',
      input: z.strictObject({ bucket }),
      output: z.array(z.string()),
      annotations: { openWorldHint: true },
      async handler(args, { state, signal, instance }) {
        await state.checkBucket(args.bucket);
        const found = await state.client.queryRows(measurementsQuery(args.bucket), {
          tool: `${instance}_list_measurements`,
          signal,
        });
        return found.map((row) => String(row._value));
      },
    }),
    get_schema: tool({
      mode: 'read',
      title: 'Field and tag keys of a measurement',
      description: 'List the field keys and tag keys of a measurement in a bucket you may read.',
      input: z.strictObject({ bucket, measurement }),
      output: z.object({ fields: z.array(z.string()), tags: z.array(z.string()) }),
      annotations: { openWorldHint: true },
      async handler(args, { state, signal, instance }) {
        await state.checkBucket(args.bucket);
        const scope = { tool: `${instance}_get_schema`, signal };
        const [fields, tags] = await Promise.all([
          state.client.queryRows(schemaKeysQuery('field', args.bucket, args.measurement), scope),
          state.client.queryRows(schemaKeysQuery('tag', args.bucket, args.measurement), scope),
        ]);
        return {
          fields: fields.map((row) => String(row._value)),
          tags: tags.map((row) => String(row._value)),
        };
      },
    }),
    write_points: tool({
      mode: 'write',
      title: 'Write points to a bucket',
      description:
        "Write points of one measurement to a bucket you may write: each point has fields (number, boolean or string; at least one), optional tags (strings) and an optional time in nanoseconds (the server's time when omitted).",
      input: z.strictObject({
        bucket,
        measurement,
        points: z.array(point).min(1).describe('The points to write.'),
      }),
      output: z.object({ written: z.number().int() }),
      annotations: { destructiveHint: false, openWorldHint: true },
      async handler(args, { state, signal, instance, config }) {
        await state.checkBucket(args.bucket);
        const name = `${instance}_write_points`;
        if (args.points.length > config.max_points) {
          throw new LimitExceededError(
            `${name} takes at most max_points (${config.max_points}) points per call; split the write`,
            { name: 'max_points', value: config.max_points },
          );
        }
        await state.client.write(args.bucket, lineProtocol(args.measurement, args.points), {
          tool: name,
          signal,
        });
        return { written: args.points.length };
      },
    }),
    create_bucket: tool({
      mode: 'write',
      title: 'Create a bucket of your own',
      description:
        "Create a bucket named '{agent_id}-{name}' with a retention of retention_days (default 30; 0 keeps data for ever). You may then query, write and delete in it, also after a restart.",
      input: z.strictObject({
        name: z
          .string()
          .regex(
            /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
            'a name is 1-64 letters, digits, _ . or -, starting with a letter or digit',
          )
          .describe("The bucket's name after your agent id."),
        retention_days: z
          .number()
          .int()
          .min(0)
          .max(36_500)
          .default(30)
          .describe('Days data is kept; 0: for ever.'),
      }),
      output: z.object({ name: z.string(), id: z.string(), retention_days: z.number().int() }),
      annotations: { destructiveHint: false, openWorldHint: true },
      async handler(args, { state, signal, instance }) {
        const name = `${instance}_create_bucket`;
        const full = state.naming.apply(args.name);
        // Refused before InfluxDB is asked when the bucket could not be remembered.
        await state.created.ensureWritable(name);
        const created = await state.client.createBucket(full, args.retention_days * DAY_SECONDS, {
          tool: name,
          signal,
        });
        await state.created.add(full, name);
        return { name: created.name, id: created.id, retention_days: args.retention_days };
      },
    }),
    delete_points: tool({
      mode: 'write',
      title: 'Delete the points of a measurement',
      description:
        'Delete the points of one measurement between start and stop (RFC3339 times) in a bucket you may write.',
      input: z.strictObject({
        bucket,
        measurement,
        start: z
          .string()
          .regex(RFC3339, 'an RFC3339 time, e.g. 2024-01-31T00:00:00Z')
          .describe('Start (RFC3339).'),
        stop: z
          .string()
          .regex(RFC3339, 'an RFC3339 time, e.g. 2024-02-01T00:00:00Z')
          .describe('Stop (RFC3339).'),
      }),
      output: z.object({ deleted: z.literal(true) }),
      annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: true },
      async handler(args, { state, signal, instance }) {
        await state.checkBucket(args.bucket);
        await state.client.deletePoints(
          args.bucket,
          { start: args.start, stop: args.stop, predicate: measurementPredicate(args.measurement) },
          { tool: `${instance}_delete_points`, signal },
        );
        return { deleted: true as const };
      },
    }),
  }),
});
