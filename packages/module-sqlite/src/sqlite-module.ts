import { defineModule, z } from '@scoped-mcp/core';
import { AgentDatabase } from './agent-database.js';
import { sqliteConfig } from './config.js';
import { sqlParameters } from './params.js';
import { COLUMN_TYPES } from './table-definition.js';

const sqlText = z
  .string()
  .min(1)
  .max(1_000_000)
  // SQLite stops reading at a NUL; text after one would be silently ignored.
  .refine((sql) => !sql.includes('\0'), 'SQL must not contain NUL characters')
  .describe('Exactly one SQLite statement. Put values in params, not in the text.');

export default defineModule({
  name: 'sqlite',
  description:
    "The agent's own SQLite database ({db_dir}/agent_{agent_id}.db): query, list tables, execute, create tables. No statement can reach another file: ATTACH, VACUUM INTO, extensions and setting pragmas are refused, decided from SQLite's compiled program.",
  config: sqliteConfig,
  setup: (ctx) =>
    AgentDatabase.open({
      dbDir: ctx.resolvePath(ctx.config.db_dir),
      agentId: ctx.agent.id,
      limits: { maxRows: ctx.config.max_rows, maxBytes: ctx.config.max_result_bytes },
      busyTimeoutMs: ctx.config.busy_timeout_ms,
      journalMode: ctx.config.journal_mode,
      log: ctx.log,
    }),
  teardown: (database) => database.close(),
  tools: (tool) => ({
    query: tool({
      mode: 'read',
      title: 'Query your database',
      description:
        'Run one read-only statement (SELECT, WITH ... SELECT, VALUES, a read-only PRAGMA such as table_info, or EXPLAIN QUERY PLAN) on your own SQLite database and return the rows as a JSON array of objects. BLOBs come back as {"$blob_base64": "..."}; integers beyond 2^53 as strings. Results over the configured row or size cap are an error: add LIMIT.',
      input: z.strictObject({ sql: sqlText, params: sqlParameters }),
      annotations: { openWorldHint: false },
      handler({ sql, params }, { state }) {
        return state.query(sql, params);
      },
    }),
    list_tables: tool({
      mode: 'read',
      title: 'List your tables',
      description:
        'List the names of the tables in your own SQLite database, sorted (internal sqlite_ tables left out).',
      input: z.strictObject({}),
      annotations: { openWorldHint: false },
      handler(_args, { state }) {
        return state.listTables();
      },
    }),
    execute: tool({
      mode: 'write',
      title: 'Change your database',
      description:
        'Run one statement that changes your own SQLite database (INSERT, UPDATE, DELETE, CREATE, ALTER, DROP, VACUUM...) and return {"changes", "last_insert_rowid"}; a statement with RETURNING also returns "rows". Each call commits on its own: BEGIN/COMMIT, TEMP objects, ATTACH, VACUUM INTO and setting pragmas are refused.',
      input: z.strictObject({ sql: sqlText, params: sqlParameters }),
      annotations: { destructiveHint: true, openWorldHint: false },
      handler({ sql, params }, { state }) {
        return state.execute(sql, params);
      },
    }),
    create_table: tool({
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
      annotations: { idempotentHint: true, openWorldHint: false },
      handler({ name, columns }, { state }) {
        state.createTable(name, columns);
        return true;
      },
    }),
  }),
});
