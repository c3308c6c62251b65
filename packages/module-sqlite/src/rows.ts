import { LimitExceededError } from '@scoped-mcp/core';
import type { BindArguments, SqliteStatement } from './driver.js';

export interface ResultLimits {
  readonly maxRows: number;
  readonly maxBytes: number;
}

/**
 * A BLOB in results (and in parameters): base64 in a one-key object, so it cannot be mistaken for TEXT.
 * A type alias, not an interface, so that it is assignable to JsonValue.
 */
export type BlobValue = { readonly $blob_base64: string };

export type CellValue = string | number | null | BlobValue;

/**
 * Integers come from SQLite as BigInt (safeIntegers), so none is silently rounded: those a double holds
 * exactly become numbers, larger ones decimal strings. Infinite REALs have no JSON form and become strings.
 */
export function toCellValue(value: unknown): CellValue {
  switch (typeof value) {
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'string':
      return value;
    default:
      if (value instanceof Uint8Array) {
        return {
          $blob_base64: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
        };
      }
      return null;
  }
}

export interface CollectedRows {
  /** JSON text of an array of row objects (column → value). */
  readonly json: string;
  /** Set when `overflow: 'truncate'` dropped rows at a cap. */
  readonly truncated: boolean;
}

/**
 * A lower bound of a row's JSON size, from its values' lengths alone: a single huge value (a statement
 * can build one of hundreds of MB) is refused before it is copied again into JSON text.
 */
function leastJsonBytes(raw: readonly unknown[]): number {
  let bytes = 0;
  for (const value of raw) {
    // UTF-8 never takes fewer bytes than UTF-16 code units; base64 takes 4 per 3 bytes.
    if (typeof value === 'string') bytes += value.length;
    else if (value instanceof Uint8Array) bytes += Math.ceil(value.byteLength / 3) * 4;
  }
  return bytes;
}

/**
 * Runs a row-returning statement and builds the JSON text of its rows once, row by row, checking both caps
 * as it goes: a runaway query stops at the first row over a cap instead of filling memory. `error` makes a
 * cap an error (query: nothing was changed, so the agent can simply narrow it); `truncate` keeps the rows
 * so far (execute: a write with RETURNING has already happened when its first row arrives).
 */
export function collectRows(
  statement: SqliteStatement,
  columns: readonly string[],
  bind: BindArguments,
  limits: ResultLimits,
  overflow: 'error' | 'truncate',
): CollectedRows {
  const parts: string[] = [];
  let bytes = 2;
  const stop = (error: LimitExceededError): CollectedRows => {
    if (overflow === 'truncate') return { json: `[${parts.join(',')}]`, truncated: true };
    throw error;
  };
  const tooLarge = () =>
    new LimitExceededError(
      `query result is larger than ${limits.maxBytes} bytes; select fewer rows (LIMIT) or columns, or shorter values (substr)`,
      { name: 'max_result_bytes', value: limits.maxBytes },
    );
  for (const raw of statement.iterate(...bind) as IterableIterator<unknown[]>) {
    if (parts.length >= limits.maxRows) {
      return stop(
        new LimitExceededError(
          `query returned more than ${limits.maxRows} rows; add LIMIT or narrow the WHERE clause`,
          { name: 'max_rows', value: limits.maxRows },
        ),
      );
    }
    if (bytes + leastJsonBytes(raw) > limits.maxBytes) return stop(tooLarge());
    // A null prototype keeps a column named __proto__ an ordinary key.
    const row: Record<string, CellValue> = Object.create(null) as Record<string, CellValue>;
    for (let i = 0; i < columns.length; i++) row[columns[i] as string] = toCellValue(raw[i]);
    const json = JSON.stringify(row);
    bytes += Buffer.byteLength(json) + (parts.length > 0 ? 1 : 0);
    if (bytes > limits.maxBytes) return stop(tooLarge());
    parts.push(json);
  }
  return { json: `[${parts.join(',')}]`, truncated: false };
}
