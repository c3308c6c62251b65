import { openDatabase, type SqliteDatabase } from './driver.js';

export interface AgentConnections {
  /** Opened read-only (and query_only): serves query and list_tables. */
  readonly reader: SqliteDatabase;
  /** Serves execute and create_table. */
  readonly writer: SqliteDatabase;
}

/** Settings no agent statement can change (PRAGMA is screened), applied to both connections. */
function harden(db: SqliteDatabase, readOnly: boolean): void {
  // better-sqlite3 keeps SQLite's defensive mode on unless unsafe mode is enabled (no writable_schema tricks).
  db.unsafeMode(false);
  db.defaultSafeIntegers(true);
  // Functions with side effects may not run from triggers, views or defaults stored in the schema.
  db.prepare('PRAGMA trusted_schema = OFF').run();
  // Sort spills and VACUUM's scratch copy stay in memory instead of the system temp directory.
  db.prepare('PRAGMA temp_store = MEMORY').run();
  if (readOnly) db.prepare('PRAGMA query_only = ON').run();
}

export interface ConnectionOptions {
  readonly busyTimeoutMs: number;
  readonly journalMode: 'wal' | 'delete';
  /** Largest the file may grow; undefined leaves SQLite's own limit. */
  readonly maxDbBytes?: number;
}

/**
 * WAL with synchronous=NORMAL commits without an fsync per statement (a commit survives a crash of this
 * process, though not necessarily of the machine) and lets the reader read while the writer writes.
 * Its -wal and -shm files sit next to the database in db_dir and take its 0600 mode.
 */
function setJournal(writer: SqliteDatabase, mode: ConnectionOptions['journalMode']): void {
  if (mode === 'wal') {
    writer.prepare('PRAGMA journal_mode = WAL').run();
    writer.prepare('PRAGMA synchronous = NORMAL').run();
  } else {
    writer.prepare('PRAGMA journal_mode = DELETE').run();
    writer.prepare('PRAGMA synchronous = FULL').run();
  }
}

/**
 * Caps the file at `maxBytes` in whole pages: a write that needs more fails with SQLITE_FULL and is rolled
 * back. The setting is per connection and cannot be changed by the agent (PRAGMA is screened). A file
 * already larger keeps its size (SQLite never sets the cap below the current page count): it can shrink
 * but not grow.
 */
function capSize(writer: SqliteDatabase, maxBytes: number): void {
  const pageSize = Number(writer.prepare('PRAGMA page_size').pluck().get());
  writer.prepare(`PRAGMA max_page_count = ${Math.max(1, Math.floor(maxBytes / pageSize))}`).run();
}

/** Opens the write connection first (the file must exist for a read-only open), then the read one. */
export function openConnections(file: string, options: ConnectionOptions): AgentConnections {
  const { busyTimeoutMs } = options;
  const writer = openDatabase(file, { timeout: busyTimeoutMs });
  let reader: SqliteDatabase | undefined;
  try {
    harden(writer, false);
    setJournal(writer, options.journalMode);
    if (options.maxDbBytes !== undefined) capSize(writer, options.maxDbBytes);
    reader = openDatabase(file, { readonly: true, fileMustExist: true, timeout: busyTimeoutMs });
    harden(reader, true);
    return { reader, writer };
  } catch (error) {
    reader?.close();
    writer.close();
    throw error;
  }
}
