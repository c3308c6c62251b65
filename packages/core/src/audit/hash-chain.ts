import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const CHAIN_GENESIS = '0'.repeat(32);

/** Hash that the next line's `prev` field must carry. */
export function lineHash(line: string): string {
  return createHash('sha256').update(line).digest('hex').slice(0, 32);
}

/**
 * Adds `"prev":"<hash of previous line>"` to each serialised JSON line, so an edited, inserted or deleted line
 * breaks the chain (`scoped-mcp audit verify`). Appending to an existing file continues its chain.
 */
export function createChainer(initialPrev: string): (line: string) => string {
  let prev = initialPrev;
  return (serialised) => {
    const body = serialised.endsWith('\n') ? serialised.slice(0, -1) : serialised;
    const chained = `${body.slice(0, -1)},"prev":"${prev}"}`;
    prev = lineHash(chained);
    return `${chained}\n`;
  };
}

/** Reads the hash of the last line of an existing log (startup only, so synchronous I/O is fine here). */
export function lastLineHash(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return CHAIN_GENESIS;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return CHAIN_GENESIS;
    const length = Math.min(size, 1 << 20);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n').filter((l) => l.length > 0);
    const last = lines.at(-1);
    return last === undefined ? CHAIN_GENESIS : lineHash(last);
  } finally {
    closeSync(fd);
  }
}

export interface ChainVerdict {
  readonly ok: boolean;
  readonly lines: number;
  /** 1-based line number of the first line whose `prev` does not match. */
  readonly brokenAt?: number;
  readonly reason?: string;
}

/** Checks a whole audit file's chain. Lines written before chaining existed (no `prev`) restart it. */
export function verifyChain(text: string): ChainVerdict {
  const lines = text.split('\n').filter((l) => l.length > 0);
  let prev: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let parsed: { prev?: unknown };
    try {
      parsed = JSON.parse(line) as { prev?: unknown };
    } catch {
      return { ok: false, lines: lines.length, brokenAt: i + 1, reason: 'not JSON' };
    }
    if (typeof parsed.prev !== 'string') {
      return { ok: false, lines: lines.length, brokenAt: i + 1, reason: 'no prev field' };
    }
    if (prev !== undefined && parsed.prev !== prev) {
      return { ok: false, lines: lines.length, brokenAt: i + 1, reason: 'prev does not match the line before' };
    }
    prev = lineHash(line);
  }
  return { ok: true, lines: lines.length };
}
