import { toolFactory, z } from '@scoped-mcp/core';
import type { DatabaseProcess } from './database-process.js';
import type { SqliteConfig } from './config.js';

/** defineTool with this module's config and state types bound. */
export const sqliteTool = toolFactory<SqliteConfig, DatabaseProcess>();

export const sqlText = z
  .string()
  .min(1)
  .max(1_000_000)
  // SQLite stops reading at a NUL; text after one would be silently ignored.
  .refine((sql) => !sql.includes('\0'), 'SQL must not contain NUL characters')
  .describe('Exactly one SQLite statement. Put values in params, not in the text.');

/** A value as results give it: TEXT, a number, NULL, an integer beyond 2^53 as a string, a BLOB in base64. */
const cellValue = z.union([z.string(), z.number(), z.null(), z.strictObject({ $blob_base64: z.string() })]);

/** Rows as objects, column → value. */
export const rowsOutput = z.array(z.record(z.string(), cellValue));

/** What `execute` returns. */
export const executeOutput = z.object({
  changes: z.union([z.number(), z.string()]).describe('Rows changed by the statement.'),
  last_insert_rowid: cellValue.describe('The rowid of the last row inserted on this connection.'),
  rows: rowsOutput.optional().describe('The rows a statement with RETURNING gave back.'),
  rows_truncated: z.literal(true).optional().describe('The rows stopped at the row or size cap.'),
});
