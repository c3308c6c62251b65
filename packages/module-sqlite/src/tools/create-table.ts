import { z } from '@scoped-mcp/core';
import { COLUMN_TYPES } from '../table-definition.js';
import { sqliteTool } from '../tool.js';

export const createTable = sqliteTool({
  mode: 'write',
  title: 'Create a table',
  description:
    "Create a table in your own SQLite database if it does not exist yet. Names: letters, digits and '_', not starting with a digit, at most 64 characters.",
  input: z.strictObject({
    name: z.string().describe("Table name, e.g. 'notes'."),
    columns: z
      .record(z.string(), z.string())
      .describe(`Column name → type, in order. Types: ${[...COLUMN_TYPES].join(', ')}.`),
  }),
  output: z.literal(true).describe('The table exists.'),
  annotations: { idempotentHint: true, openWorldHint: false },
  async handler({ name, columns }, { state, signal }) {
    await state.createTable(name, columns, signal);
    return true;
  },
});
