import { createRequire } from 'node:module';

/**
 * The slice of better-sqlite3 this module uses, typed here rather than through @types/better-sqlite3, whose
 * last release predates the `explain()` method of v13. Keeping the types local also keeps them out of the
 * package's public declarations.
 */
export interface SqliteColumn {
  readonly name: string;
}

export interface SqliteRunResult {
  readonly changes: number;
  readonly lastInsertRowid: number | bigint;
}

/** One row of `EXPLAIN <sql>`: an instruction of the compiled program. Operands are BigInt under safeIntegers. */
export interface ExplainRow {
  readonly opcode: string;
  readonly p1: number | bigint;
  readonly p2: number | bigint;
  readonly p3: number | bigint;
  readonly p4: unknown;
}

/** Positional values are spread as arguments; named values are passed as one object. */
export type BindArguments = readonly unknown[];

export interface SqliteStatement {
  /** True when the statement returns rows (its compiled form has result columns). */
  readonly reader: boolean;
  /** `sqlite3_stmt_readonly`: true when the statement does not write the database *file*. */
  readonly readonly: boolean;
  run(...params: BindArguments): SqliteRunResult;
  get(...params: BindArguments): unknown;
  all(...params: BindArguments): unknown[];
  iterate(...params: BindArguments): IterableIterator<unknown>;
  raw(toggle?: boolean): this;
  pluck(toggle?: boolean): this;
  columns(): SqliteColumn[];
}

export interface SqliteDatabase {
  readonly inTransaction: boolean;
  readonly open: boolean;
  /** Compiles exactly one statement; throws a RangeError when the text holds a second one. */
  prepare(sql: string): SqliteStatement;
  /** Compiles `EXPLAIN <sql>` and returns the program; nothing of `sql` itself is run. */
  explain(sql: string): ExplainRow[];
  unsafeMode(unsafe: boolean): this;
  defaultSafeIntegers(safe: boolean): this;
  close(): this;
}

export interface OpenOptions {
  readonly readonly?: boolean;
  readonly fileMustExist?: boolean;
  /** Busy timeout in milliseconds. */
  readonly timeout?: number;
}

type DatabaseConstructor = new (filename: string, options?: OpenOptions) => SqliteDatabase;

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3') as DatabaseConstructor;

export function openDatabase(filename: string, options: OpenOptions): SqliteDatabase {
  return new Database(filename, options);
}
