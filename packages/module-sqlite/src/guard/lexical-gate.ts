import { ScopeViolation, ToolInputError } from '@scoped-mcp/core';
import { pragmaNotAllowed, pragmaReadOnly, REFUSED } from './messages.js';
import { isKeyword, isPunct, nameOf, type SqlToken, tokenizeSql } from './sql-tokens.js';

/**
 * Pragmas that only report. Any other PRAGMA is refused before compilation: SQLite applies most pragma
 * settings (trusted_schema, temp_store_directory, busy_timeout, writable_schema...) while *preparing* the
 * statement, so neither `stmt.readonly` nor EXPLAIN can stop them. `database_list` is left out: it shows
 * the database file's host path.
 */
const BARE_PRAGMAS = [
  'application_id',
  'collation_list',
  'compile_options',
  'data_version',
  'encoding',
  'foreign_key_check',
  'foreign_key_list',
  'freelist_count',
  'function_list',
  'index_info',
  'index_list',
  'index_xinfo',
  'integrity_check',
  'module_list',
  'page_count',
  'page_size',
  'pragma_list',
  'quick_check',
  'schema_version',
  'table_info',
  'table_list',
  'table_xinfo',
  'user_version',
] as const;

/** Those whose argument names a table or index (or a count): the form `PRAGMA name(arg)` sets nothing. */
const ARGUMENT_PRAGMAS = new Set<string>([
  'foreign_key_check',
  'foreign_key_list',
  'index_info',
  'index_list',
  'index_xinfo',
  'integrity_check',
  'quick_check',
  'table_info',
  'table_list',
  'table_xinfo',
]);

const READ_PRAGMAS = new Set<string>(BARE_PRAGMAS);

/** Names whose mere mention is refused, in any spelling SQLite accepts (bare, "quoted", [bracketed], 'string'). */
const HIDDEN_NAMES = new Set(['pragma_database_list']);

export interface LexicalFacts {
  /** The statement is `EXPLAIN ...` or `EXPLAIN QUERY PLAN ...`: it describes a program and runs none of it. */
  readonly explain: boolean;
  /**
   * Offset of the statement's first token, past leading comments and empty statements. `EXPLAIN` must be
   * put right before it: `EXPLAIN ;; ATTACH ...` would explain an empty statement instead.
   */
  readonly start: number;
}

/** Runs before anything is compiled. Throws ScopeViolation for what must never reach `prepare()`. */
export function checkLexically(sql: string): LexicalFacts {
  const tokens = tokenizeSql(sql);
  for (const token of tokens) {
    const name = nameOf(token);
    if (name !== undefined && HIDDEN_NAMES.has(name)) throw new ScopeViolation(REFUSED.hiddenPath);
  }
  // SQLite skips empty statements, so ';;PRAGMA x=1' compiles the PRAGMA.
  let at = 0;
  while (isPunct(tokens[at], ';')) at++;
  if (at >= tokens.length) throw new ToolInputError('The SQL text contains no statement');
  const start = (tokens[at] as SqlToken).start;
  let explain = false;
  if (isKeyword(tokens[at], 'EXPLAIN')) {
    explain = true;
    at++;
    if (isKeyword(tokens[at], 'QUERY') && isKeyword(tokens[at + 1], 'PLAN')) at += 2;
  }
  const head = tokens[at];
  if (isKeyword(head, 'PRAGMA')) {
    if (explain) throw new ScopeViolation(REFUSED.explainPragma);
    checkPragma(tokens, at + 1);
  }
  // The compiled-program check refuses these too; refusing them here as well costs nothing.
  if (isKeyword(head, 'ATTACH') || isKeyword(head, 'DETACH')) throw new ScopeViolation(REFUSED.attach);
  return { explain, start };
}

/** Accepts `PRAGMA [schema.]name` and `PRAGMA [schema.]name(arg)`, nothing else, for listed names only. */
function checkPragma(tokens: readonly SqlToken[], start: number): void {
  let at = start;
  if (isPunct(tokens[at + 1], '.')) at += 2;
  const name = nameOf(tokens[at]);
  if (name === undefined) throw new ToolInputError('PRAGMA needs a name');
  let end = tokens.length;
  while (end > at + 1 && isPunct(tokens[end - 1], ';')) end--;
  const rest = tokens.slice(at + 1, end);
  if (!READ_PRAGMAS.has(name)) throw new ScopeViolation(pragmaNotAllowed(name, BARE_PRAGMAS));
  if (rest.length === 0) return;
  const argument = rest[1];
  const isArgumentForm =
    rest.length === 3 && isPunct(rest[0], '(') && argument?.kind !== 'punct' && isPunct(rest[2], ')');
  if (isArgumentForm && ARGUMENT_PRAGMAS.has(name)) return;
  throw new ScopeViolation(pragmaReadOnly(name));
}
