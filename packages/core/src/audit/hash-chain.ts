import { createHmac, hash } from 'node:crypto';

export const CHAIN_GENESIS = '0'.repeat(32);

/** How a segment of the audit log links its lines: a plain hash, or an HMAC under the operator's key. */
export type ChainKind = 'sha256' | 'hmac-sha256';

/** The hash that the next line's `prev` carries: 32 hex characters over the line's bytes, newline excluded. */
export type LineHasher = (line: string | Buffer) => string;

/** Hash that the next line's `prev` field must carry, in an unkeyed chain. */
export function lineHash(line: string | Buffer): string {
  // One-shot hash: no Hash object per audit line (same digest as createHash().update().digest()).
  return hash('sha256', line, 'hex').slice(0, 32);
}

/**
 * The hasher of a chain. With a key, each `prev` is an HMAC: someone who can write the file but not read
 * the key cannot recompute the chain after an edit.
 */
export function lineHasher(key?: Buffer): LineHasher {
  if (key === undefined) return lineHash;
  return (line) => createHmac('sha256', key).update(line).digest('hex').slice(0, 32);
}

export interface Linker {
  /**
   * Given a JSON object without its closing brace, returns the line with `"prev"` and the brace added,
   * newline-terminated; from then on it is the chain's newest line.
   */
  link(open: string): string;
  /** Forgets the line `link` returned last: it could not be written, so the next line links to the one before. */
  rollback(): void;
  /** The hash of the newest line (what the next line's `prev` will be). */
  head(): string;
}

/**
 * Adds `"prev":"<hash of previous line>"` to each line, so an edited, inserted or deleted line breaks the
 * chain (`scoped-mcp audit verify`). The writer builds its own lines and calls `rollback` for a line it
 * could not write.
 */
export function createLinker(initialPrev: string, hasher: LineHasher = lineHash): Linker {
  let prev = initialPrev;
  // The newest line, not hashed yet: only the next line needs its hash, so it is computed once the event loop
  // comes round (after the call that logged it has answered), or by the next line if that comes first. A
  // crash in between loses nothing: the line itself is already written, and a restart hashes the file's last line.
  let unhashed: string | undefined;
  let scheduled = false;
  const settle = () => {
    if (unhashed !== undefined) {
      prev = hasher(unhashed);
      unhashed = undefined;
    }
  };
  const settleLater = () => {
    scheduled = false;
    settle();
  };
  return {
    link(open) {
      settle();
      const chained = `${open},"prev":"${prev}"}`;
      unhashed = chained;
      if (!scheduled) {
        scheduled = true;
        setImmediate(settleLater).unref();
      }
      return `${chained}\n`;
    },
    rollback() {
      unhashed = undefined;
    },
    head() {
      settle();
      return prev;
    },
  };
}

/** The audit log's own records, which make its chain checkable: where a segment starts and where it ends. */
export const CHAIN_EVENTS = {
  /** The first line a process writes: the chain's kind, and why a new segment starts (a break, a restart). */
  segmentStart: 'audit_segment_start',
  /** The last line of a clean shutdown: how many lines the segment holds, its start included. */
  sealed: 'audit_sealed',
} as const;

/**
 * Why a segment starts. `new_file`: the file was empty. `restart`: the last segment was sealed. `unsealed`:
 * the last segment ended without its seal (the process was killed, or its tail was cut). `partial_line`: the
 * file ended inside a line (a crash while writing it). `write_failed`: a write of this process failed partway
 * through a line, which stays in the file, broken. `stream`: the log is a pipe or a device, whose past is unknown.
 */
export type SegmentReason = 'new_file' | 'restart' | 'unsealed' | 'partial_line' | 'write_failed' | 'stream';

const CHAIN_RECORD_TAIL = /,"event":"(audit_segment_start|audit_sealed)","prev":"[0-9a-f]{32}"\}$/;

/**
 * Which chain record a line is, judged from its end: the writer puts `event` last before `prev`, so the end of
 * the line names the event of the line itself, whatever its fields hold.
 */
export function chainRecordOf(lineEnd: string): keyof typeof CHAIN_EVENTS | undefined {
  const event = CHAIN_RECORD_TAIL.exec(lineEnd)?.[1];
  return event === CHAIN_EVENTS.segmentStart
    ? 'segmentStart'
    : event === CHAIN_EVENTS.sealed
      ? 'sealed'
      : undefined;
}
