import { statfsSync } from 'node:fs';
import { join } from 'node:path';
import { type JsonValue, ToolFailure } from '@scoped-mcp/core';
import { openConnections } from './connections.js';
import type { DatabaseSettings } from './database-protocol.js';
import type { SqliteDatabase, SqliteStatement } from './driver.js';
import { StatementGuard } from './guard/statement-guard.js';
import { type SqlParameters, toBindArguments } from './params.js';
import { collectRows, type ResultLimits, toCellValue } from './rows.js';
import { createScrubber, type EngineBounds, type Scrubber, toToolError } from './sqlite-errors.js';
import { createTableSql } from './table-definition.js';

/** Below this much free space, SQLITE_FULL means the disk is full rather than the max_db_bytes cap. */
const DISK_FULL_BYTES = 1024 * 1024;

/**
 * One agent's database, `{db_dir}/agent_{agent_id}.db`, behind two long-lived connections: a read-only
 * one for `query`/`list_tables` and a read-write one for `execute`/`create_table`. Keeping them open
 * saves an open and a schema parse per call; the guard refuses whatever could leave state behind on them
 * (open transactions, TEMP objects, pragmas). It lives in the database process (database-server.ts), which
 * can be killed whatever a statement is doing.
 */
export class AgentDatabase {
  readonly fileName: string;
  readonly #reader: SqliteDatabase;
  readonly #writer: SqliteDatabase;
  readonly #readGuard: StatementGuard;
  readonly #writeGuard: StatementGuard;
  readonly #limits: ResultLimits;
  readonly #scrub: Scrubber;
  readonly #bounds: EngineBounds;
  readonly #listTables: SqliteStatement;
  readonly #changes: SqliteStatement;
  readonly #rollback: SqliteStatement;

  private constructor(
    settings: DatabaseSettings,
    reader: SqliteDatabase,
    writer: SqliteDatabase,
    scrub: Scrubber,
  ) {
    this.fileName = settings.fileName;
    this.#reader = reader;
    this.#writer = writer;
    this.#limits = settings.limits;
    this.#scrub = scrub;
    this.#bounds = {
      maxDbBytes: settings.maxDbBytes,
      maxMemoryBytes: settings.maxMemoryBytes,
      diskFull: () => {
        const space = statfsSync(settings.dbDir);
        return space.bavail * space.bsize < DISK_FULL_BYTES;
      },
    };
    this.#readGuard = new StatementGuard(reader, 'read');
    this.#writeGuard = new StatementGuard(writer, 'write', undefined, {
      kinds: new Set(settings.refusedKinds),
      tool: settings.executeTool,
    });
    this.#listTables = reader
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
      )
      .pluck();
    this.#changes = writer.prepare('SELECT total_changes(), changes(), last_insert_rowid()').raw();
    this.#rollback = writer.prepare('ROLLBACK');
  }

  /** Opens the file the proxy process prepared (created 0600, never a symlink). */
  static open(settings: DatabaseSettings): AgentDatabase {
    const { file, fileName, dbDir, realDbDir } = settings;
    const scrub = createScrubber([
      [file, fileName],
      [join(realDbDir, fileName), fileName],
      [dbDir, '<db_dir>'],
      [realDbDir, '<db_dir>'],
    ]);
    const { reader, writer } = openConnections(file, settings);
    try {
      return new AgentDatabase(settings, reader, writer, scrub);
    } catch (error) {
      reader.close();
      writer.close();
      throw error;
    }
  }

  /** Size of the file beyond max_db_bytes (a file that was larger when opened may shrink, not grow), or 0. */
  bytesOverLimit(): number {
    const pages = Number(this.#writer.prepare('PRAGMA page_count').pluck().get());
    const pageSize = Number(this.#writer.prepare('PRAGMA page_size').pluck().get());
    return Math.max(0, pages * pageSize - this.#bounds.maxDbBytes);
  }

  /** Rows of one read-only, row-returning statement, as JSON text; a cap is an error. */
  query(sql: string, parameters: SqlParameters): string {
    return this.#guarded(() => {
      const { statement, columns } = this.#readGuard.check(sql);
      return collectRows(statement, columns ?? [], toBindArguments(parameters), this.#limits, 'error').json;
    });
  }

  /**
   * Runs one statement on the read-write connection: `{changes, last_insert_rowid}`, plus `rows` (and
   * `rows_truncated` at a cap) for a statement that returns rows, e.g. `INSERT ... RETURNING`.
   */
  execute(sql: string, parameters: SqlParameters): JsonValue {
    return this.#guarded(() => {
      const { statement, columns } = this.#writeGuard.check(sql);
      const bind = toBindArguments(parameters);
      try {
        if (columns === undefined) {
          const info = statement.run(...bind);
          return { changes: info.changes, last_insert_rowid: toCellValue(info.lastInsertRowid) };
        }
        const [totalBefore] = this.#changes.get() as unknown[];
        const rows = collectRows(statement, columns, bind, this.#limits, 'truncate');
        const [totalAfter, changes, rowid] = this.#changes.get() as unknown[];
        // As better-sqlite3's run(): changes() is stale after a statement that changed nothing.
        const result = {
          changes: totalAfter === totalBefore ? 0 : toCellValue(changes),
          last_insert_rowid: toCellValue(rowid),
          ...(rows.truncated ? { rows_truncated: true } : {}),
        };
        // The rows are JSON text already: splice them in instead of parsing and serialising them again.
        return `${JSON.stringify(result).slice(0, -1)},"rows":${rows.json}}`;
      } finally {
        this.#endOpenTransaction();
      }
    });
  }

  listTables(): string[] {
    return this.#guarded(() => this.#listTables.all() as string[]);
  }

  createTable(name: string, columns: Readonly<Record<string, string>>): void {
    const sql = createTableSql(name, columns);
    this.#guarded(() => this.#writer.prepare(sql).run());
  }

  close(): void {
    if (this.#reader.open) this.#reader.close();
    if (this.#writer.open) this.#writer.close();
  }

  #guarded<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw toToolError(error, this.#scrub, this.#bounds);
    }
  }

  /** Safety net: the guard refuses transaction control, so this should never find a transaction open. */
  #endOpenTransaction(): void {
    if (!this.#writer.inTransaction) return;
    this.#rollback.run();
    throw new ToolFailure('The statement left a transaction open; it was rolled back');
  }
}
