import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { type JsonValue, type ModuleLogger, ToolFailure } from '@scoped-mcp/core';
import { openConnections } from './connections.js';
import type { SqliteDatabase, SqliteStatement } from './driver.js';
import { StatementGuard } from './guard/statement-guard.js';
import { type SqlParameters, toBindArguments } from './params.js';
import { collectRows, type ResultLimits, toCellValue } from './rows.js';
import { createScrubber, type Scrubber, toToolError } from './sqlite-errors.js';
import { prepareDbDir, prepareDbFile } from './storage.js';
import { createTableSql } from './table-definition.js';

export interface AgentDatabaseOptions {
  /** Absolute directory holding every agent's file. */
  readonly dbDir: string;
  readonly agentId: string;
  readonly limits: ResultLimits;
  readonly busyTimeoutMs: number;
  readonly journalMode: 'wal' | 'delete';
  readonly log: ModuleLogger;
}

// Core holds AGENT_ID to a stricter pattern; this guards embedders that build an identity by hand,
// since the id becomes part of a file name.
const FILE_SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function agentDbFileName(agentId: string): string {
  return `agent_${agentId}.db`;
}

/**
 * One agent's database, `{db_dir}/agent_{agent_id}.db`, behind two long-lived connections: a read-only
 * one for `query`/`list_tables` and a read-write one for `execute`/`create_table`. Keeping them open
 * saves an open and a schema parse per call; the guard refuses whatever could leave state behind on them
 * (open transactions, TEMP objects, pragmas).
 */
export class AgentDatabase {
  readonly fileName: string;
  readonly #reader: SqliteDatabase;
  readonly #writer: SqliteDatabase;
  readonly #readGuard: StatementGuard;
  readonly #writeGuard: StatementGuard;
  readonly #limits: ResultLimits;
  readonly #scrub: Scrubber;
  readonly #listTables: SqliteStatement;
  readonly #changes: SqliteStatement;
  readonly #rollback: SqliteStatement;

  private constructor(
    fileName: string,
    reader: SqliteDatabase,
    writer: SqliteDatabase,
    limits: ResultLimits,
    scrub: Scrubber,
  ) {
    this.fileName = fileName;
    this.#reader = reader;
    this.#writer = writer;
    this.#limits = limits;
    this.#scrub = scrub;
    this.#readGuard = new StatementGuard(reader, 'read');
    this.#writeGuard = new StatementGuard(writer, 'write');
    this.#listTables = reader
      .prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
      )
      .pluck();
    this.#changes = writer.prepare('SELECT total_changes(), changes(), last_insert_rowid()').raw();
    this.#rollback = writer.prepare('ROLLBACK');
  }

  static async open(options: AgentDatabaseOptions): Promise<AgentDatabase> {
    const { dbDir, agentId } = options;
    if (!FILE_SAFE_ID.test(agentId))
      throw new Error(`sqlite: agent id '${agentId}' cannot name a database file`);
    await prepareDbDir(dbDir, options.log);
    const fileName = agentDbFileName(agentId);
    const file = join(dbDir, fileName);
    await prepareDbFile(file);
    const realDir = await realpath(dbDir);
    const scrub = createScrubber([
      [file, fileName],
      [join(realDir, fileName), fileName],
      [dbDir, '<db_dir>'],
      [realDir, '<db_dir>'],
    ]);
    const { reader, writer } = openConnections(file, options);
    try {
      return new AgentDatabase(fileName, reader, writer, options.limits, scrub);
    } catch (error) {
      reader.close();
      writer.close();
      throw error;
    }
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
      throw toToolError(error, this.#scrub);
    }
  }

  /** Safety net: the guard refuses transaction control, so this should never find a transaction open. */
  #endOpenTransaction(): void {
    if (!this.#writer.inTransaction) return;
    this.#rollback.run();
    throw new ToolFailure('The statement left a transaction open; it was rolled back');
  }
}
