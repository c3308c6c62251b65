import {
  flux,
  fluxBool,
  fluxDateTime,
  fluxDuration,
  fluxExpression,
  fluxFloat,
  fluxInteger,
  type FluxParameterLike,
  fluxRegExp,
  fluxString,
  type ParameterizedQuery,
} from '@influxdata/influxdb-client';
import { ToolInputError, z } from '@scoped-mcp/core';

// The agent never writes Flux: it gives structured filters, and the query is built here. Names (fields,
// measurements) must match strict patterns and are written as identifiers; values, bucket names and
// times go through the client library's escaping (flux`…`, fluxString, fluxRegExp, …).

/** A filter field: `r.<field>` in the predicate. */
export const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** A measurement, as the reference allows it everywhere. */
export const MEASUREMENT = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const DURATION = /^-?\d{1,9}(ns|us|µs|ms|s|m|h|d|w|mo|y)$/;

export const OPERATORS = ['==', '!=', '<', '<=', '>', '>=', '=~', '!~'] as const;

export const measurement = z
  .string()
  .regex(
    MEASUREMENT,
    'a measurement starts with a letter or _ and holds letters, digits, _ or - (at most 128)',
  )
  .describe('Measurement name.');

/** A point in time: `now()`, an RFC3339 time, or a duration relative to now (`-1h`). */
export const timeBound = z
  .string()
  .refine((value) => value === 'now()' || RFC3339.test(value) || DURATION.test(value), {
    message: "a time is 'now()', an RFC3339 time (2024-01-31T12:00:00Z) or a duration such as -1h or -30m",
  });

export const filter = z.strictObject({
  field: z
    .string()
    .regex(
      FIELD_NAME,
      'a field is a letter or _ followed by letters, digits or _ (e.g. _measurement, _field, host)',
    ),
  op: z.enum(OPERATORS),
  value: z
    .union([z.string().max(4096), z.number(), z.boolean()])
    .describe('A string, number or boolean; a regular expression (RE2 syntax) for =~ and !~.'),
});

export type Filter = z.output<typeof filter>;

function timeValue(value: string): FluxParameterLike {
  if (value === 'now()') return fluxExpression('now()');
  if (RFC3339.test(value)) return fluxDateTime(value);
  if (DURATION.test(value)) return fluxDuration(value);
  // The input schema already refused it; a time never reaches Flux unchecked.
  throw new ToolInputError(`invalid time '${value}'`);
}

function filterValue({ field, op, value }: Filter, index: number): FluxParameterLike {
  if (op === '=~' || op === '!~') {
    if (typeof value !== 'string') {
      throw new ToolInputError(`filters[${index}]: ${op} takes a regular expression as a string`);
    }
    if (value.length > 512)
      throw new ToolInputError(`filters[${index}]: the regular expression is over 512 characters`);
    try {
      return fluxRegExp(value);
    } catch {
      throw new ToolInputError(`filters[${index}]: '${field}' ${op} is not a valid regular expression`);
    }
  }
  if (typeof value === 'boolean') return fluxBool(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ToolInputError(`filters[${index}]: numbers must be finite`);
    return Number.isInteger(value) ? fluxInteger(value) : fluxFloat(value);
  }
  return fluxString(value);
}

/**
 * `from(bucket: B) |> range(start: S, stop: E) |> filter(fn: (r) => r.F OP V and|or …)`, as the reference
 * builds it, with a regular expression written as a Flux regex literal (the reference quoted it as a
 * string, which Flux refuses for =~).
 */
export function filterQuery(options: {
  readonly bucket: string;
  readonly filters: readonly Filter[];
  readonly start: string;
  readonly stop: string;
  readonly logicalOp: 'and' | 'or';
}): ParameterizedQuery {
  const predicate = options.filters
    .map((item, index) => {
      if (!FIELD_NAME.test(item.field))
        throw new ToolInputError(`filters[${index}]: invalid field '${item.field}'`);
      if (!OPERATORS.includes(item.op)) throw new ToolInputError(`filters[${index}]: invalid op`);
      return `r.${item.field} ${item.op} ${filterValue(item, index).toString()}`;
    })
    .join(` ${options.logicalOp} `);
  return flux`from(bucket: ${options.bucket}) |> range(start: ${timeValue(options.start)}, stop: ${timeValue(
    options.stop,
  )}) |> filter(fn: (r) => ${fluxExpression(predicate)})`;
}

/** The measurements of a bucket (schema package). */
export function measurementsQuery(bucket: string): ParameterizedQuery {
  return flux`import "influxdata/influxdb/schema"
schema.measurements(bucket: ${bucket})`;
}

/** Field keys or tag keys of one measurement (schema package). */
export function schemaKeysQuery(kind: 'field' | 'tag', bucket: string, name: string): ParameterizedQuery {
  if (!MEASUREMENT.test(name)) throw new ToolInputError(`invalid measurement '${name}'`);
  const call = fluxExpression(kind === 'field' ? 'schema.measurementFieldKeys' : 'schema.measurementTagKeys');
  return flux`import "influxdata/influxdb/schema"
${call}(bucket: ${bucket}, measurement: ${name})`;
}

/** The delete API's predicate for one measurement: `_measurement="<m>"`. */
export function measurementPredicate(name: string): string {
  // The pattern leaves no quote, backslash or operator to escape.
  if (!MEASUREMENT.test(name)) throw new ToolInputError(`invalid measurement '${name}'`);
  return `_measurement="${name}"`;
}
