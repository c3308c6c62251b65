/** Refusal messages, one line each, naming the kind of statement; shared by the gates and the tests. */
export const REFUSED = {
  attach: 'ATTACH/DETACH statements are not allowed: each agent has exactly one database',
  vacuumInto: 'VACUUM INTO is not allowed: it writes a copy of the database to another file',
  loadExtension: 'load_extension() is not allowed',
  fts3Tokenizer: 'fts3_tokenizer() is not allowed',
  multiple: 'Multiple statements are not allowed; send one statement per call',
  transaction:
    'Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) is not allowed; each call runs as its own transaction',
  temp: 'TEMP tables, views and triggers are not allowed; create ordinary ones instead',
  otherDatabase: 'Statements on any database but your own are not allowed',
  readOnly: 'Read-only tool: statement would write; use execute (needs write mode)',
  explainPragma: 'EXPLAIN PRAGMA is not allowed',
  hiddenPath: 'pragma_database_list is not available: it shows host paths',
  unverifiable: 'Statement could not be verified and was not run',
} as const;

/** A statement kind execute refuses unless the manifest allows it; `tool` is its exposed name. */
export function statementNotAllowed(kind: string, tool: string): string {
  return `${kind} statements are not allowed in ${tool}`;
}

export function pragmaNotAllowed(name: string, allowed: readonly string[]): string {
  return `PRAGMA ${shorten(name)} is not allowed; allowed are the read-only pragmas ${allowed.join(', ')}`;
}

export function pragmaReadOnly(name: string): string {
  return `PRAGMA ${shorten(name)} may only be read here, not set`;
}

function shorten(name: string): string {
  const oneLine = name.replace(/\s+/g, ' ');
  return oneLine.length <= 64 ? oneLine : `${oneLine.slice(0, 61)}...`;
}
