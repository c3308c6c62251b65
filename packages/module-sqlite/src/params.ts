import { z } from '@scoped-mcp/core';
import type { BindArguments } from './driver.js';

const blobParameter = z
  .strictObject({ $blob_base64: z.base64() })
  .describe('A BLOB value, base64-encoded: {"$blob_base64": "AAEC"}.');

const parameterValue = z.union([z.string(), z.number(), z.boolean(), z.null(), blobParameter]);

export const sqlParameters = z
  .union([
    z.array(parameterValue).max(32766).describe('Values for ?, ?1 ... placeholders, in order.'),
    z
      .record(z.string(), parameterValue)
      .describe('Values for :name, @name or $name placeholders, keyed by name (with or without the prefix).'),
  ])
  .optional()
  .describe(
    'Values bound to placeholders; always prefer them to splicing values into the SQL text. Integers bind as INTEGER, other numbers as REAL, booleans as 1/0.',
  );

export type SqlParameters = z.output<typeof sqlParameters>;
type ParameterValue = z.output<typeof parameterValue>;

function toBindValue(value: ParameterValue): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (value !== null && typeof value === 'object') return Buffer.from(value.$blob_base64, 'base64');
  return value;
}

/** better-sqlite3 would bind every JS number as REAL; integers are passed as BigInt to stay INTEGER. */
export function toBindArguments(parameters: SqlParameters): BindArguments {
  if (parameters === undefined) return [];
  if (Array.isArray(parameters)) return parameters.map(toBindValue);
  // Null prototype: a parameter named __proto__ stays an ordinary key (better-sqlite3 accepts such objects).
  const named: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let count = 0;
  for (const [key, value] of Object.entries(parameters)) {
    // better-sqlite3 wants names without their ':', '@' or '$'.
    named[/^[:@$]/.test(key) ? key.slice(1) : key] = toBindValue(value);
    count++;
  }
  return count === 0 ? [] : [named];
}
