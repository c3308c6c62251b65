import { structuredResult, z } from '@scoped-mcp/core';
import { sqlParameters } from '../params.js';
import { executeOutput, sqlText, sqliteTool } from '../tool.js';

export const execute = sqliteTool({
  mode: 'write',
  title: 'Change your database',
  description:
    'Run one statement that changes your own SQLite database (INSERT, UPDATE, DELETE, CREATE, ALTER...) and return {"changes", "last_insert_rowid"}; a statement with RETURNING also returns "rows". Each call commits on its own: BEGIN/COMMIT, TEMP objects, ATTACH, VACUUM INTO and setting pragmas are refused, and DROP and VACUUM unless the operator allows them.',
  input: z.strictObject({ sql: sqlText, params: sqlParameters }),
  output: executeOutput,
  annotations: { destructiveHint: true, openWorldHint: false },
  async handler({ sql, params }, { state, signal }) {
    const result = await state.execute(sql, params, signal);
    // With RETURNING, the result comes as JSON text (the rows spliced in), which stays the agent's text.
    return typeof result === 'string' ? structuredResult(JSON.parse(result), result) : result;
  },
});
