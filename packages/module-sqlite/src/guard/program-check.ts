import { ScopeViolation } from '@scoped-mcp/core';
import type { ExplainRow } from '../driver.js';
import { REFUSED } from './messages.js';

/** Opcodes that call an SQL function; p4 reads `name(argc)`. */
const FUNCTION_OPCODES = new Set([
  'Function',
  'PureFunc',
  'AggStep',
  'AggStep1',
  'AggFinal',
  'AggValue',
  'AggInverse',
]);

/**
 * ATTACH and DETACH compile to calls of these internal functions, which is how they are caught whatever
 * the spelling, comments or filename expression. load_extension() is disabled by better-sqlite3 and
 * fts3_tokenizer()'s pointer form by SQLite; they are refused here as well so that no future default
 * change opens them.
 */
const REFUSED_FUNCTIONS = new Map<string, string>([
  ['sqlite_attach', REFUSED.attach],
  ['sqlite_detach', REFUSED.attach],
  ['load_extension', REFUSED.loadExtension],
  ['fts3_tokenizer', REFUSED.fts3Tokenizer],
]);

/** Index of the temp schema in p1 of `Transaction`/`SetCookie`; 0 is main, 2 and up are attached databases. */
const TEMP_SCHEMA = 1;

/**
 * Decides from the compiled program (EXPLAIN output, trigger sub-programs included) — the engine's own
 * answer, immune to comments, case, spacing and quoting tricks. Throws ScopeViolation for anything that can
 * reach another file or leave state behind on the shared connection.
 */
export function checkProgram(program: readonly ExplainRow[]): void {
  for (const op of program) {
    // The connection returns integers as BigInt; compare as numbers (0n !== 0).
    switch (op.opcode) {
      case 'Vacuum':
        // p2 is the register holding the INTO filename; plain VACUUM has none.
        if (Number(op.p2) !== 0) throw new ScopeViolation(REFUSED.vacuumInto);
        break;
      case 'AutoCommit':
      case 'Savepoint':
        // A transaction left open would span later calls on the long-lived connection.
        throw new ScopeViolation(REFUSED.transaction);
      case 'Transaction':
        if (Number(op.p1) >= 2) throw new ScopeViolation(REFUSED.otherDatabase);
        break;
      case 'SetCookie':
        // Changing the temp schema's cookie means creating a TEMP table, view, trigger or index. Such objects
        // would outlive the call on the long-lived connection (a temp trigger fires on later calls). Opening
        // a write transaction on temp is not enough of a sign: ALTER TABLE ... RENAME does that too.
        if (Number(op.p1) === TEMP_SCHEMA) throw new ScopeViolation(REFUSED.temp);
        break;
      default:
        if (FUNCTION_OPCODES.has(op.opcode)) {
          const message = REFUSED_FUNCTIONS.get(functionName(op.p4));
          if (message !== undefined) throw new ScopeViolation(message);
        }
    }
  }
}

function functionName(p4: unknown): string {
  if (typeof p4 !== 'string') return '';
  const paren = p4.indexOf('(');
  return (paren === -1 ? p4 : p4.slice(0, paren)).toLowerCase();
}

/** Statements execute refuses unless the manifest allows them (the reference implementation refuses both). */
export type StatementKind = 'DROP' | 'VACUUM';

/**
 * DROP TABLE, INDEX, VIEW or TRIGGER compile to these instructions, and plain VACUUM to a `Vacuum` without
 * a filename; ALTER TABLE ... DROP COLUMN compiles to none of them. A DROP ... IF EXISTS of nothing and
 * `VACUUM temp` compile to no such instruction: they do nothing, and are let through.
 */
const DROP_OPCODES = new Set(['DropTable', 'DropIndex', 'DropTrigger']);

export function statementKind(program: readonly ExplainRow[]): StatementKind | undefined {
  for (const op of program) {
    if (DROP_OPCODES.has(op.opcode)) return 'DROP';
    if (op.opcode === 'Vacuum' && Number(op.p2) === 0) return 'VACUUM';
  }
  return undefined;
}
