import pino, { type DestinationStream } from 'pino';
import { AuditUnavailableError } from '../errors/errors.js';
import { type AuditFile, openAuditFile, stderrAuditFile } from './audit-file.js';
import {
  CHAIN_EVENTS,
  CHAIN_GENESIS,
  type ChainKind,
  chainRecordOf,
  createLinker,
  type Linker,
  lineHasher,
  type SegmentReason,
} from './hash-chain.js';
import { escapeLineBreakers } from './log-line.js';

// The audit log as a chain in segments. Each process starts a segment with a record that links to the last
// complete line already in the file and says why (a clean restart, a crash, a break); a clean shutdown ends it
// with a seal that counts its lines. The head (the hash of the newest line) is handed out to be kept elsewhere,
// so that a cut or rewritten end of the file shows (`scoped-mcp audit verify --head`).

/**
 * What every part of scoped-mcp needs from the audit stream: one JSON line per event, at a level. A pino
 * `Logger` satisfies it (tests and embedders pass one); `openAuditLog` makes the production writer.
 */
export interface AuditLogger {
  info(fields: object, event: string): void;
  warn(fields: object, event: string): void;
  error(fields: object, event: string): void;
}

export interface AuditLineParts {
  /** Fixed fields every line carries after the timestamp, e.g. `{ logger: 'audit', agent_id: … }`. */
  readonly bindings: Readonly<Record<string, string>>;
  /** `,"timestamp":"…"`: the text that follows the level (pino's `timestamp` option). */
  timestamp(): string;
  /** Finishes a JSON object given without its closing brace (adds `prev`) and returns the line to write. */
  link(open: string): string;
  /** Writes one line synchronously; whatever it throws reaches the code that logged. */
  write(line: string): void;
}

/**
 * The audit line writer: pino writes the line (`level`, `timestamp`, the bindings, the event's fields,
 * `event`), and its `streamWrite` hook escapes the characters other tools take for line ends and hands the
 * line to the hash chain, which adds `prev`. pino calls the destination's `write` in the logging call itself,
 * so a failed write throws to the caller that logged.
 */
export function createAuditLogger(parts: AuditLineParts): AuditLogger {
  const { link, write } = parts;
  return pino(
    {
      messageKey: 'event',
      timestamp: parts.timestamp,
      // The reference's level names (`warning`, not pino's `warn`): log pipelines written for it keep matching.
      formatters: { level: (label: string) => ({ level: label === 'warn' ? 'warning' : label }) },
      base: parts.bindings,
      // pino's line ends with `}\n`: the chain takes the object without its closing brace.
      hooks: { streamWrite: (line: string) => link(escapeLineBreakers(line.slice(0, -2))) },
    },
    { write } as DestinationStream,
  );
}

/** The newest line of the chain: its hash, and how many lines this process has written in its segment. */
export interface AuditHead {
  readonly hash: string;
  readonly lines: number;
}

export interface AuditChainSettings {
  /** Links the lines with HMAC-SHA256 under this key instead of a plain hash. */
  readonly key?: Buffer;
  /** Hands the head out every this many lines (0: only at the seal). */
  readonly headEveryLines?: number;
  /** Where the head goes: the ops log, the health file. Must not write to the audit log. */
  onHead?(head: AuditHead, reason: 'interval' | 'sealed'): void;
}

export interface AuditLog {
  /** Writes event lines; the first one of a segment is preceded by the segment's start record. */
  readonly logger: AuditLogger;
  /**
   * Starts this process's segment with its settings (the key comes with the manifest, after the file is
   * opened). Without a call, the first line starts an unkeyed segment. Throws `AuditUnavailableError`.
   */
  start(settings?: AuditChainSettings): void;
  head(): AuditHead;
  /** Seals the segment (once) and closes the file; lines logged afterwards are refused. */
  close(): void;
}

export interface AuditLogOptions {
  /** The file; stderr when absent. */
  readonly path?: string;
  readonly bindings: Readonly<Record<string, string>>;
  timestamp(): string;
}

/** Opens the audit file (taking its lock; see audit-lock.ts) and reads its end. Writes nothing yet. */
export function openAuditLog(options: AuditLogOptions): AuditLog {
  const file: AuditFile = options.path === undefined ? stderrAuditFile() : openAuditFile(options.path);
  let linker: Linker | undefined;
  let kind: ChainKind = 'sha256';
  let settings: AuditChainSettings = {};
  /** Lines of the current segment, its start record included. */
  let segmentLines = 0;
  let segmentOpen = false;
  let sealed = false;
  let closed = false;
  let writingRecord = false;

  const records = createAuditLogger({
    bindings: options.bindings,
    timestamp: options.timestamp,
    link: (open) => chain().link(open),
    write(line) {
      try {
        file.write(line);
      } catch (error) {
        linker?.rollback();
        throw new AuditUnavailableError(false, error);
      }
      segmentLines++;
      const every = settings.headEveryLines ?? 0;
      if (every > 0 && segmentLines % every === 0 && !writingRecord) settings.onHead?.(head(), 'interval');
    },
  });

  function chain(): Linker {
    linker ??= begin({});
    return linker;
  }

  function begin(given: AuditChainSettings): Linker {
    settings = given;
    kind = given.key ? 'hmac-sha256' : 'sha256';
    const hasher = lineHasher(given.key);
    const last = file.tail.lastLine;
    return createLinker(last ? hasher(last) : CHAIN_GENESIS, hasher);
  }

  function firstReason(): SegmentReason {
    if (!file.seekable) return 'stream';
    if (file.tail.partial) return 'partial_line';
    const last = file.tail.lastLine;
    if (!last) return 'new_file';
    return chainRecordOf(last.subarray(-100).toString('latin1')) === 'sealed' ? 'restart' : 'unsealed';
  }

  /** The segment's start record, before the first line of the process and after a break. */
  function openSegment(): void {
    if (closed) throw new AuditUnavailableError(false, new Error('audit log closed'));
    const broken = file.pendingBreak();
    if (segmentOpen && broken === undefined) return;
    const reason: SegmentReason = segmentOpen ? 'write_failed' : firstReason();
    chain();
    const fields = {
      chain: kind,
      reason,
      pid: process.pid,
      ...(broken ? { break_offset: broken.offset, break_bytes: broken.bytes } : {}),
    };
    const lines = segmentLines;
    segmentLines = 0;
    writingRecord = true;
    try {
      if (reason === 'new_file' || reason === 'restart' || reason === 'stream')
        records.info(fields, CHAIN_EVENTS.segmentStart);
      else records.warn(fields, CHAIN_EVENTS.segmentStart);
    } catch (error) {
      segmentLines = lines;
      throw error;
    } finally {
      writingRecord = false;
    }
    file.clearBreak();
    segmentOpen = true;
  }

  function head(): AuditHead {
    return { hash: chain().head(), lines: segmentLines };
  }

  const logger: AuditLogger = {
    info(fields, event) {
      openSegment();
      records.info(fields, event);
    },
    warn(fields, event) {
      openSegment();
      records.warn(fields, event);
    },
    error(fields, event) {
      openSegment();
      records.error(fields, event);
    },
  };

  return {
    logger,
    start(given = {}) {
      if (linker && segmentOpen) return;
      linker = begin(given);
      openSegment();
    },
    head,
    close() {
      if (closed) return;
      try {
        // Only a segment with lines is sealed: a process that wrote nothing leaves the file as it was.
        if (segmentOpen && !sealed && file.pendingBreak() === undefined) {
          writingRecord = true;
          records.info({ lines: segmentLines }, CHAIN_EVENTS.sealed);
          sealed = true;
          settings.onHead?.(head(), 'sealed');
        }
      } finally {
        writingRecord = false;
        closed = true;
        file.close();
      }
    },
  };
}
