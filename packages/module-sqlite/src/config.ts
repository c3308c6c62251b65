import { z } from '@scoped-mcp/core';

const MIB = 1024 * 1024;

export const DB_PATH_REMOVED = "'db_path' is no longer supported; use 'db_dir' (one database file per agent)";

export const sqliteConfig = z.strictObject({
  db_dir: z
    .string()
    .min(1, "sqlite module requires 'db_dir' in config")
    .describe(
      'Directory holding one database file per agent, {db_dir}/agent_{agent_id}.db; created with mode 0700. Relative to the manifest.',
    ),
  // The reference's shared-file setting; named here only to reject it with a pointer to db_dir.
  db_path: z.never({ error: DB_PATH_REMOVED }).optional().describe(DB_PATH_REMOVED),
  max_rows: z
    .number()
    .int()
    .positive()
    .default(1000)
    .describe('Most rows a query returns; more is an error asking for LIMIT (default 1000).'),
  max_result_bytes: z
    .number()
    .int()
    .positive()
    .default(MIB)
    .describe('Largest query result, as JSON bytes (default 1 MiB).'),
  journal_mode: z
    .enum(['wal', 'delete'])
    .default('wal')
    .describe(
      "'wal' (default): write-ahead log with synchronous=NORMAL, fast commits, durable across process crashes. 'delete': rollback journal with synchronous=FULL, for file systems without shared memory (NFS).",
    ),
  busy_timeout_ms: z
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(5000)
    .describe('How long a statement waits for a lock held by another connection (default 5000 ms).'),
});

export type SqliteConfig = z.output<typeof sqliteConfig>;
