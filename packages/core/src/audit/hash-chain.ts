import { hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export const CHAIN_GENESIS = '0'.repeat(32);

/** Hash that the next line's `prev` field must carry. */
export function lineHash(line: string): string {
  // One-shot hash: no Hash object per audit line (same digest as createHash().update().digest()).
  return hash('sha256', line, 'hex').slice(0, 32);
}

/**
 * Adds `"prev":"<hash of previous line>"` to each line, so an edited, inserted or deleted line breaks the
 * chain (`scoped-mcp audit verify`); appending to an existing file continues its chain. The writer builds
 * its own lines: given a JSON object without its closing brace, this returns the line with `"prev"` and the
 * brace added, newline-terminated.
 */
export function createLinker(initialPrev: string): (open: string) => string {
  let prev = initialPrev;
  // The newest line, not hashed yet: only the next line needs its hash, so it is computed once the event loop
  // comes round (after the call that logged it has answered), or by the next line if that comes first. A
  // crash in between loses nothing: the line itself is already written, and a restart hashes the file's last line.
  let unhashed: string | undefined;
  let scheduled = false;
  const settle = () => {
    if (unhashed !== undefined) {
      prev = lineHash(unhashed);
      unhashed = undefined;
    }
  };
  const settleLater = () => {
    scheduled = false;
    settle();
  };
  return (open) => {
    settle();
    const chained = `${open},"prev":"${prev}"}`;
    unhashed = chained;
    if (!scheduled) {
      scheduled = true;
      setImmediate(settleLater).unref();
    }
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
    let end = fstatSync(fd).size;
    // Skip trailing newlines, then read backwards until the start of the last line, however long it is.
    const one = Buffer.alloc(1);
    while (end > 0 && readSync(fd, one, 0, 1, end - 1) === 1 && one[0] === 0x0a) end--;
    if (end === 0) return CHAIN_GENESIS;
    const chunks: Buffer[] = [];
    let start = end;
    const chunkSize = 64 * 1024;
    while (start > 0) {
      const from = Math.max(0, start - chunkSize);
      const chunk = Buffer.alloc(start - from);
      readSync(fd, chunk, 0, chunk.length, from);
      const newline = chunk.lastIndexOf(0x0a);
      if (newline >= 0) {
        chunks.unshift(chunk.subarray(newline + 1));
        break;
      }
      chunks.unshift(chunk);
      start = from;
    }
    return lineHash(Buffer.concat(chunks).toString('utf8'));
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

/**
 * Checks a whole audit file's chain: the first line must start it (genesis `prev`), each later line must
 * carry the hash of the one before. Detects edited, inserted, reordered and deleted lines — except lines
 * cut from the end, which only a copy of the last hash kept elsewhere can reveal.
 */
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
    if (parsed.prev !== (prev ?? CHAIN_GENESIS)) {
      const reason =
        prev === undefined
          ? 'the first line does not start the chain (lines before it were removed?)'
          : 'prev does not match the line before';
      return { ok: false, lines: lines.length, brokenAt: i + 1, reason };
    }
    prev = lineHash(line);
  }
  return { ok: true, lines: lines.length };
}
