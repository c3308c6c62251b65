import { ToolInputError } from '@scoped-mcp/core';

export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_IDENTIFIER = 64;
const MAX_COLUMNS = 2000;

/** The reference's closed set, compared after upper-casing and collapsing whitespace. */
export const COLUMN_TYPES: ReadonlySet<string> = new Set([
  'INTEGER',
  'TEXT',
  'REAL',
  'BLOB',
  'NUMERIC',
  'BOOLEAN',
  'INTEGER PRIMARY KEY',
  'INTEGER PRIMARY KEY AUTOINCREMENT',
  'TEXT PRIMARY KEY',
  'INTEGER NOT NULL',
  'TEXT NOT NULL',
  'REAL NOT NULL',
  'INTEGER UNIQUE',
  'TEXT UNIQUE',
  'INTEGER DEFAULT 0',
  "TEXT DEFAULT ''",
]);

function checkIdentifier(kind: 'table' | 'column', name: string): void {
  const shown = JSON.stringify(name.length <= 64 ? name : `${name.slice(0, 61)}...`);
  if (name.length > MAX_IDENTIFIER || !IDENTIFIER.test(name)) {
    throw new ToolInputError(
      `Invalid ${kind} name ${shown}: use letters, digits and '_', not starting with a digit, at most ${MAX_IDENTIFIER} characters`,
    );
  }
  if (kind === 'table' && name.toLowerCase().startsWith('sqlite_')) {
    throw new ToolInputError(`Invalid ${kind} name ${shown}: names starting with 'sqlite_' are reserved`);
  }
}

function normaliseType(column: string, type: string): string {
  const normal = type.trim().replace(/\s+/g, ' ').toUpperCase();
  if (!COLUMN_TYPES.has(normal)) {
    const shown = JSON.stringify(type.length <= 64 ? type : `${type.slice(0, 61)}...`);
    throw new ToolInputError(
      `Invalid type ${shown} for column '${column}'; allowed: ${[...COLUMN_TYPES].join(', ')}`,
    );
  }
  return normal;
}

/**
 * `CREATE TABLE IF NOT EXISTS "name" ("col" TYPE, ...)` from checked parts only: names match IDENTIFIER (so
 * quoting them cannot break out) and types come from the closed set above.
 */
export function createTableSql(name: string, columns: Readonly<Record<string, string>>): string {
  checkIdentifier('table', name);
  const entries = Object.entries(columns);
  if (entries.length === 0) throw new ToolInputError('create_table needs at least one column');
  if (entries.length > MAX_COLUMNS)
    throw new ToolInputError(`create_table accepts at most ${MAX_COLUMNS} columns`);
  const definitions = entries.map(([column, type]) => {
    checkIdentifier('column', column);
    return `"${column}" ${normaliseType(column, type)}`;
  });
  return `CREATE TABLE IF NOT EXISTS "${name}" (${definitions.join(', ')})`;
}
