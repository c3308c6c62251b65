import { z } from '@scoped-mcp/core';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

export const DB_PATH_REMOVED = "'db_path' is no longer supported; use 'db_dir' (one database file per agent)";

/**
 * What the database process needs beyond `max_memory_bytes`'s floor to build and send one full result: the
 * rows' JSON text, the joined array and the message carrying it (measured at about 4×; 8× leaves room).
 */
const RESULT_MEMORY_FACTOR = 8;
const MIN_MEMORY_BYTES = 64 * MIB;

export const sqliteConfig = z
  .strictObject({
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
    allow_drop: z
      .boolean()
      .default(false)
      .describe(
        "Let execute run DROP TABLE / INDEX / VIEW / TRIGGER on the agent's own database (default false: refused, as in the reference implementation).",
      ),
    allow_vacuum: z
      .boolean()
      .default(false)
      .describe(
        "Let execute run plain VACUUM on the agent's own database (default false: refused). VACUUM INTO is refused regardless.",
      ),
    statement_timeout_ms: z
      .number()
      .int()
      .min(10)
      .max(3_600_000)
      .default(30_000)
      .describe(
        'Longest a statement may run, lock waits included (default 30000 ms). Past it the statement is stopped (its process is killed, nothing it began is kept) and the call fails naming this limit.',
      ),
    max_db_bytes: z
      .number()
      .int()
      .min(MIB)
      .max(16 * 1024 * GIB)
      .default(256 * MIB)
      .describe(
        "Largest the agent's database file may grow (default 256 MiB, set with PRAGMA max_page_count). A write that needs more fails with 'database is full'.",
      ),
    max_memory_bytes: z
      .number()
      .int()
      .min(MIN_MEMORY_BYTES)
      .max(64 * GIB)
      .default(256 * MIB)
      .describe(
        "Most memory the agent's database process may take on top of its start-up footprint (default 256 MiB): SQLite's page cache, sorting, and every value a statement builds. A statement needing more fails with 'out of memory'. Enforced on Linux (RLIMIT_DATA, set with prlimit); must be at least 64 MiB + 8 × max_result_bytes.",
      ),
  })
  .superRefine((config, issues) => {
    const needed = MIN_MEMORY_BYTES + RESULT_MEMORY_FACTOR * config.max_result_bytes;
    if (config.max_memory_bytes < needed) {
      issues.addIssue({
        code: 'custom',
        path: ['max_memory_bytes'],
        message: `max_memory_bytes must be at least 64 MiB + 8 × max_result_bytes (${needed}) so that a full result fits`,
      });
    }
  });

export type SqliteConfig = z.output<typeof sqliteConfig>;
