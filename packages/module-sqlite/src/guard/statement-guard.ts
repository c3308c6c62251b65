import { ScopeViolation, ToolInputError } from '@scoped-mcp/core';
import type { SqliteDatabase, SqliteStatement } from '../driver.js';
import { checkLexically } from './lexical-gate.js';
import { REFUSED, statementNotAllowed } from './messages.js';
import { checkProgram, type StatementKind, statementKind } from './program-check.js';

/** Which connection the guard serves: `read` is opened read-only and runs only row-returning reads. */
export type ConnectionRole = 'read' | 'write';

export interface CheckedStatement {
  readonly statement: SqliteStatement;
  /** Result column names (in raw-row order) when the statement returns rows. */
  readonly columns: readonly string[] | undefined;
  /** `PRAGMA schema_version` when it was checked: a schema change re-checks it (triggers may have changed). */
  readonly schemaVersion: unknown;
}

/** Statement kinds the write connection refuses, and the exposed name of the tool its message names. */
export interface KindRefusals {
  readonly kinds: ReadonlySet<StatementKind>;
  readonly tool: string;
}

const NONE: KindRefusals = { kinds: new Set(), tool: '' };

const EXPLAIN_COLUMNS = 'addr,opcode,p1,p2,p3,p4,p5,comment';
const QUERY_PLAN_COLUMNS = 'id,parent,notused,detail';

/**
 * Compiles and vets agent SQL for one connection. SQLite decides: `prepare()` refuses a second statement,
 * the compiled program (EXPLAIN) shows what the statement would do, and `stmt.readonly` whether it writes.
 * Only PRAGMA is screened by its text, because it takes effect while compiling. Vetted statements are
 * kept in a small LRU by SQL text, so a repeated call costs no second compilation.
 */
export class StatementGuard {
  readonly #db: SqliteDatabase;
  readonly #role: ConnectionRole;
  readonly #capacity: number;
  readonly #cache = new Map<string, CheckedStatement>();
  readonly #schemaVersion: SqliteStatement;
  readonly #refusals: KindRefusals;

  constructor(db: SqliteDatabase, role: ConnectionRole, capacity = 64, refusals: KindRefusals = NONE) {
    this.#db = db;
    this.#role = role;
    this.#capacity = capacity;
    this.#refusals = refusals;
    this.#schemaVersion = db.prepare('PRAGMA schema_version').pluck();
  }

  /** Throws ScopeViolation/ToolInputError, or the engine's own error for SQL that does not compile. */
  check(sql: string): CheckedStatement {
    const version = this.#schemaVersion.get();
    const cached = this.#cache.get(sql);
    if (cached !== undefined) {
      this.#cache.delete(sql);
      if (cached.schemaVersion === version) {
        this.#cache.set(sql, cached);
        return cached;
      }
    }
    const checked = this.#compile(sql, version);
    this.#cache.set(sql, checked);
    if (this.#cache.size > this.#capacity) {
      const oldest = this.#cache.keys().next();
      if (oldest.done !== true) this.#cache.delete(oldest.value);
    }
    return checked;
  }

  #compile(sql: string, schemaVersion: unknown): CheckedStatement {
    const { explain, start } = checkLexically(sql);
    const statement = this.#db.prepare(sql);
    if (explain) {
      // Nothing of an EXPLAIN'd statement runs; only make sure SQLite sees an EXPLAIN too.
      const names = statement
        .columns()
        .map((column) => column.name)
        .join(',');
      if (names !== EXPLAIN_COLUMNS && names !== QUERY_PLAN_COLUMNS)
        throw new ScopeViolation(REFUSED.unverifiable);
    } else {
      const program = this.#db.explain(start === 0 ? sql : sql.slice(start));
      checkProgram(program);
      const kind = statementKind(program);
      if (kind !== undefined && this.#refusals.kinds.has(kind)) {
        throw new ScopeViolation(statementNotAllowed(kind, this.#refusals.tool));
      }
    }
    if (this.#role === 'read') {
      if (!statement.readonly) throw new ScopeViolation(REFUSED.readOnly);
      if (!statement.reader) {
        throw new ToolInputError(
          'query runs statements that return rows (SELECT, WITH ... SELECT, VALUES, read-only PRAGMA, EXPLAIN); use execute for others',
        );
      }
    }
    const columns = statement.reader
      ? statement
          .raw(true)
          .columns()
          .map((column) => column.name)
      : undefined;
    return Object.freeze({ statement, columns, schemaVersion });
  }
}
