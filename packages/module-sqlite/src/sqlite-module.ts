import { defineModule, directoryProblem, structuredResult, z } from '@scoped-mcp/core';
import { sqliteConfig } from './config.js';
import { DatabaseProcess } from './database-process.js';
import { sqlParameters } from './params.js';
import { COLUMN_TYPES } from './table-definition.js';

const sqlText = z
  .string()
  .min(1)
  .max(1_000_000)
  // SQLite stops reading at a NUL; text after one would be silently ignored.
  .refine((sql) => !sql.includes('\0'), 'SQL must not contain NUL characters')
  .describe('Exactly one SQLite statement. Put values in params, not in the text.');

/** A value as results give it: TEXT, a number, NULL, an integer beyond 2^53 as a string, a BLOB in base64. */
const cellValue = z.union([z.string(), z.number(), z.null(), z.strictObject({ $blob_base64: z.string() })]);

/** Rows as objects, column → value. */
const rowsOutput = z.array(z.record(z.string(), cellValue));

/** What `execute` returns. */
const executeOutput = z.object({
  changes: z.union([z.number(), z.string()]).describe('Rows changed by the statement.'),
  last_insert_rowid: cellValue.describe('The rowid of the last row inserted on this connection.'),
  rows: rowsOutput.optional().describe('The rows a statement with RETURNING gave back.'),
  rows_truncated: z.literal(true).optional().describe('The rows stopped at the row or size cap.'),
});

export default defineModule({
  name: 'sqlite',
  description:
    "The agent's own SQLite database ({db_dir}/agent_{agent_id}.db): query, list tables, execute, create tables. No statement can reach another file: ATTACH, VACUUM INTO, extensions and setting pragmas are refused, decided from SQLite's compiled program.",
  config: sqliteConfig,
  // What setup would refuse, found by looking only (`scoped-mcp validate`): a db_dir it cannot create or use.
  async check(ctx) {
    const problem = await directoryProblem(ctx.resolvePath(ctx.config.db_dir));
    return problem ? [`config db_dir: ${problem}`] : [];
  },
  setup: (ctx) =>
    DatabaseProcess.start({
      dbDir: ctx.resolvePath(ctx.config.db_dir),
      agentId: ctx.agent.id,
      limits: { maxRows: ctx.config.max_rows, maxBytes: ctx.config.max_result_bytes },
      busyTimeoutMs: ctx.config.busy_timeout_ms,
      journalMode: ctx.config.journal_mode,
      statementTimeoutMs: ctx.config.statement_timeout_ms,
      maxDbBytes: ctx.config.max_db_bytes,
      maxMemoryBytes: ctx.config.max_memory_bytes,
      refusedKinds: [
        ...(ctx.config.allow_drop ? [] : (['DROP'] as const)),
        ...(ctx.config.allow_vacuum ? [] : (['VACUUM'] as const)),
      ],
      // The exposed name, `<instance>_<tool>`, which the agent knows the tool by.
      executeTool: `${ctx.instance}_execute`,
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
      output: rowsOutput,
      annotations: { openWorldHint: false },
      async handler({ sql, params }, { state, signal }) {
        // The rows come as JSON text, which stays the text the agent reads.
        const json = await state.query(sql, params, signal);
        return structuredResult(JSON.parse(json), json);
      },
    }),
    list_tables: tool({
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
    }),
    execute: tool({
      mode: 'write',
      title: 'Change your database',
      description:
        'Run one statement that changes your own SQLite database (INSERT, UPDATE, DELETE, CREATE, ALTER...) and return the number of rows changed (structured: {"changes", "last_insert_rowid"}); a statement with RETURNING returns {"changes", "last_insert_rowid", "rows"} as JSON. Each call commits on its own: BEGIN/COMMIT, TEMP objects, ATTACH, VACUUM INTO and setting pragmas are refused, and DROP and VACUUM unless the operator allows them.',
      input: z.strictObject({ sql: sqlText, params: sqlParameters }),
      output: executeOutput,
      annotations: { destructiveHint: true, openWorldHint: false },
      async handler({ sql, params }, { state, signal }) {
        const result = await state.execute(sql, params, signal);
        // With RETURNING, the result comes as JSON text (the rows spliced in), which stays the agent's text.
        if (typeof result === 'string') return structuredResult(JSON.parse(result), result);
        // The text is the reference's: the bare row count, which prompts and log pipelines written for it read.
        const changes = (result as { readonly changes: number | string }).changes;
        return structuredResult(result, String(changes));
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
      output: z.literal(true).describe('The table exists.'),
      annotations: { idempotentHint: true, openWorldHint: false },
      async handler({ name, columns }, { state, signal }) {
        await state.createTable(name, columns, signal);
        return true;
      },
    }),
  }),
});
