import { defineModule } from '@scoped-mcp/core';
import { sqliteConfig } from './config.js';
import { DatabaseProcess } from './database-process.js';
import { createTable } from './tools/create-table.js';
import { execute } from './tools/execute.js';
import { listTables } from './tools/list-tables.js';
import { query } from './tools/query.js';

export default defineModule({
  name: 'sqlite',
  description:
    "The agent's own SQLite database ({db_dir}/agent_{agent_id}.db): query, list tables, execute, create tables. No statement can reach another file: ATTACH, VACUUM INTO, extensions and setting pragmas are refused, decided from SQLite's compiled program.",
  config: sqliteConfig,
  credentials: { required: [], optional: [] },
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
  tools: {
    query,
    list_tables: listTables,
    execute,
    create_table: createTable,
  },
});
