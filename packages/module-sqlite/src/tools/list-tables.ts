import { z } from '@scoped-mcp/core';
import { sqliteTool } from '../tool.js';

export const listTables = sqliteTool({
  mode: 'read',
  title: 'List your tables',
  description:
    'List the names of the tables in your own SQLite database, sorted (internal sqlite_ tables left out).',
  input: z.strictObject({}),
  output: z.array(z.string()).describe('Table names, sorted.'),
  annotations: { openWorldHint: false },
  handler(_args, { state, signal }) {
    return state.listTables(signal);
  },
});
