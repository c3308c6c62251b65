import { Point } from '@influxdata/influxdb-client';
import { ToolInputError, z } from '@scoped-mcp/core';
import { FIELD_NAME, MEASUREMENT } from './flux-query.js';

// Line protocol is written by the client library's Point API, which escapes measurement, tag and field
// text. What it cannot make safe is refused here first: names that are not identifiers, and in tag values
// line breaks (written as a literal \n by the library, not as the value) and backslashes (line protocol
// gives `\` before a space, comma or equals sign a meaning of its own).

const KEY_MESSAGE = 'keys are a letter or _ followed by letters, digits or _';

export const point = z.strictObject({
  tags: z
    .record(z.string().regex(FIELD_NAME, KEY_MESSAGE), z.string().min(1).max(4096))
    .optional()
    .describe('Tag key → string value.'),
  fields: z
    .record(
      z.string().regex(FIELD_NAME, KEY_MESSAGE),
      z.union([z.number(), z.boolean(), z.string().max(65_536)]),
    )
    .refine((fields) => Object.keys(fields).length > 0, 'a point needs at least one field')
    .describe('Field key → number (integers are written as integers), boolean or string.'),
  time: z
    .union([
      z.number().int().nonnegative(),
      z.string().regex(/^\d{1,19}$/, 'nanoseconds since the epoch, digits only'),
    ])
    .optional()
    .describe(
      "Nanoseconds since the epoch; as a string of digits for full precision (a JSON number loses it past 2^53). Omitted: the server's time.",
    ),
});

export type PointInput = z.output<typeof point>;

const LINE_BREAK = /[\r\n]/;

/** The points as line protocol, one line each. */
export function lineProtocol(name: string, points: readonly PointInput[]): string {
  if (!MEASUREMENT.test(name)) throw new ToolInputError(`invalid measurement '${name}'`);
  return points
    .map((input, index) => {
      const p = new Point(name);
      for (const [key, value] of Object.entries(input.tags ?? {})) {
        if (LINE_BREAK.test(value) || value.includes('\\')) {
          throw new ToolInputError(
            `points[${index}].tags.${key}: tag values cannot hold line breaks or backslashes`,
          );
        }
        p.tag(key, value);
      }
      for (const [key, value] of Object.entries(input.fields)) {
        if (typeof value === 'boolean') p.booleanField(key, value);
        else if (typeof value === 'number') {
          if (!Number.isFinite(value))
            throw new ToolInputError(`points[${index}].fields.${key}: numbers must be finite`);
          if (Number.isInteger(value)) {
            if (!Number.isSafeInteger(value)) {
              throw new ToolInputError(
                `points[${index}].fields.${key}: integers beyond 2^53 lose precision in JSON`,
              );
            }
            p.intField(key, value);
          } else p.floatField(key, value);
        } else {
          if (LINE_BREAK.test(value)) {
            throw new ToolInputError(`points[${index}].fields.${key}: string fields cannot hold line breaks`);
          }
          p.stringField(key, value);
        }
      }
      if (typeof input.time === 'number' && !Number.isSafeInteger(input.time)) {
        throw new ToolInputError(
          `points[${index}].time: pass a nanosecond time beyond 2^53 as a string of digits`,
        );
      }
      // '' writes no timestamp (the server's time), as the reference did; the library would use its own clock.
      p.timestamp(input.time === undefined ? '' : String(input.time));
      const line = p.toLineProtocol();
      if (line === undefined) throw new ToolInputError(`points[${index}]: a point needs at least one field`);
      return line;
    })
    .join('\n');
}
