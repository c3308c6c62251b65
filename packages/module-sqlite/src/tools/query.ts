import { structuredResult, z } from '@scoped-mcp/core';
import { sqlParameters } from '../params.js';
import { rowsOutput, sqlText, sqliteTool } from '../tool.js';

export const query = sqliteTool({
  mode: 'read',
  title: 'Query your database',
  description:
    'Run one read-only statement (SELECT, WITH ... SELECT, VALUES, a read-only PRAGMA such as table_info, or EXPLAIN QUERY PLAN) on your own SQLite database and return the rows as a JSON array of objects. BLOBs come back as {"$blob_base64": "..."}; integers beyond 2^53 as strings. Results over the configured row or size cap are an error: add LIMIT.',
  input: z.strictObject({ sql: sqlText, params: sqlParameters }),
  output: rowsOutput,
  annotations: { openWorldHint: false },
  async handler({ sql, params }, { state, signal }) {
    // The rows come as JSON text, which stays the text the agent reads.
    const json = await state.query(sql, params, signal);
    return structuredResult(JSON.parse(json), json);
  },
});
