import {
  isScopeViolation,
  LimitExceededError,
  ScopeViolation,
  ToolFailure,
  ToolInputError,
} from '@scoped-mcp/core';
import { describe, expect, it } from 'vitest';
import { createScrubber, toToolError } from './sqlite-errors.js';

function sqliteError(message: string, code: string): Error {
  const error = new Error(message) as Error & { code: string };
  error.name = 'SqliteError';
  error.code = code;
  return error;
}

const scrub = createScrubber([
  ['/srv/data', '<db_dir>'],
  ['/srv/data/agent_a.db', 'agent_a.db'],
]);

describe('toToolError', () => {
  it('replaces host paths, the longest first, and joins lines', () => {
    expect(scrub('unable to open /srv/data/agent_a.db\nin /srv/data')).toBe(
      'unable to open agent_a.db in <db_dir>',
    );
  });

  it('maps SQL mistakes to input errors and locks to a retry hint', () => {
    const input = toToolError(sqliteError('no such table: x', 'SQLITE_ERROR'), scrub);
    expect(input).toBeInstanceOf(ToolInputError);
    expect((input as Error).message).toBe('no such table: x');
    expect(
      toToolError(sqliteError('UNIQUE constraint failed: t.a', 'SQLITE_CONSTRAINT_UNIQUE'), scrub),
    ).toBeInstanceOf(ToolInputError);
    const busy = toToolError(sqliteError('database is locked', 'SQLITE_BUSY'), scrub);
    expect(busy).toBeInstanceOf(ToolFailure);
    expect((busy as Error).message).toMatch(/busy/);
  });

  it('keeps other engine failures, scrubbed, as tool failures', () => {
    const failure = toToolError(
      sqliteError('disk I/O error at /srv/data/agent_a.db', 'SQLITE_IOERR_WRITE'),
      scrub,
    );
    expect(failure).toBeInstanceOf(ToolFailure);
    expect((failure as Error).message).toBe('SQLite error SQLITE_IOERR_WRITE: disk I/O error at agent_a.db');
  });

  it('treats SQLite refusing an unsafe function as a scope violation', () => {
    expect(
      isScopeViolation(toToolError(sqliteError('unsafe use of load_extension()', 'SQLITE_ERROR'), scrub)),
    ).toBe(true);
  });

  it('maps better-sqlite3 statement-count and binding errors, and leaves bugs unexpected', () => {
    expect(
      toToolError(new RangeError('The supplied SQL string contains more than one statement'), scrub),
    ).toBeInstanceOf(ScopeViolation);
    expect(toToolError(new RangeError('Too few parameter values were provided'), scrub)).toBeInstanceOf(
      ToolInputError,
    );
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    expect(toToolError(bug, scrub)).toBe(bug);
  });

  it('names max_db_bytes and max_memory_bytes for a full database and an allocation that failed', () => {
    const bounds = { maxDbBytes: 4096, maxMemoryBytes: 8192, diskFull: () => false };
    const full = toToolError(sqliteError('database or disk is full', 'SQLITE_FULL'), scrub, bounds);
    expect(full).toBeInstanceOf(LimitExceededError);
    expect((full as Error).message).toBe('database is full (max_db_bytes 4096)');
    for (const code of ['SQLITE_NOMEM', 'SQLITE_IOERR_NOMEM']) {
      const nomem = toToolError(sqliteError('out of memory', code), scrub, bounds);
      expect(nomem).toBeInstanceOf(LimitExceededError);
      expect((nomem as Error).message).toBe('statement ran out of memory (max_memory_bytes 8192)');
    }
  });

  it('says the disk is full when it is, rather than blaming max_db_bytes', () => {
    const bounds = { maxDbBytes: 4096, maxMemoryBytes: 8192, diskFull: () => true };
    const full = toToolError(sqliteError('database or disk is full', 'SQLITE_FULL'), scrub, bounds);
    expect(full).toBeInstanceOf(ToolFailure);
    expect((full as Error).message).toBe('The disk holding the database is full');
  });
});
