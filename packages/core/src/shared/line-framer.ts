import { Transform, type TransformCallback } from 'node:stream';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const NEWLINE_BYTES = Buffer.from([NEWLINE]);
/** Bytes of an over-long line kept from its start and its end, enough to find a JSON-RPC id. */
const EDGE_BYTES = 256;

export interface OversizeLine {
  /** The first bytes of the line. */
  readonly head: string;
  /** The last bytes of the line. */
  readonly tail: string;
  readonly bytes: number;
}

export interface LineSink {
  line(bytes: Buffer): void;
  oversize(line: OversizeLine): void;
}

/**
 * Newline framing for a stdio JSON-RPC stream, bounded in memory: a line longer than `maxLineBytes` is
 * never assembled — its bytes are counted and dropped, and only its two ends are kept. Chunks are joined
 * once per line (not once per chunk), so a large message costs one copy. A trailing `\r` is dropped and
 * empty lines are skipped.
 */
export class LineFramer {
  private chunks: Buffer[] = [];
  private pending = 0;
  private discarding = false;
  private head = '';
  private tail: Buffer = Buffer.alloc(0);

  constructor(
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) {
        this.keep(chunk.subarray(start));
        return;
      }
      this.finish(chunk.subarray(start, end));
      start = end + 1;
    }
  }

  /** Drops a partial line (the stream ended or restarted). */
  reset(): void {
    this.chunks = [];
    this.pending = 0;
    this.discarding = false;
    this.head = '';
    this.tail = Buffer.alloc(0);
  }

  private keep(piece: Buffer): void {
    if (piece.length === 0) return;
    if (!this.discarding && this.pending + piece.length <= this.maxLineBytes) {
      this.chunks.push(piece);
      this.pending += piece.length;
      return;
    }
    if (!this.discarding) this.startDiscarding(piece);
    this.pending += piece.length;
    this.tail = lastBytes(this.tail, piece);
  }

  private finish(piece: Buffer): void {
    if (!this.discarding && this.pending + piece.length > this.maxLineBytes) this.startDiscarding(piece);
    if (this.discarding) {
      const bytes = this.pending + piece.length;
      const tail = stripCarriageReturn(lastBytes(this.tail, piece)).toString('utf8');
      const head = this.head;
      this.reset();
      this.sink.oversize({ head, tail, bytes });
      return;
    }
    let line = this.chunks.length === 0 ? piece : Buffer.concat([...this.chunks, piece]);
    this.chunks = [];
    this.pending = 0;
    line = stripCarriageReturn(line);
    if (line.length > 0) this.sink.line(line);
  }

  /** `next` is the piece about to be counted; the caller adds it to the tail. */
  private startDiscarding(next: Buffer): void {
    this.head = firstBytes([...this.chunks, next]).toString('utf8');
    let tail: Buffer = Buffer.alloc(0);
    for (const chunk of this.chunks) tail = lastBytes(tail, chunk);
    this.tail = tail;
    this.chunks = [];
    this.discarding = true;
  }
}

export interface LineFramerStageOptions {
  /** Longest line passed on, in bytes, not counting its line ending. */
  readonly maxLineBytes: number;
  /** Called for each line over the limit, which is dropped; the lines after it pass on as usual. */
  readonly onOversize?: (line: OversizeLine) => void;
  /**
   * Asked before each chunk is framed: a promise holds the chunk (and, through the stream's
   * backpressure, the reader in front of the stage) until it settles.
   */
  readonly holdInput?: () => Promise<void> | undefined;
}

/**
 * The framer as a stream stage in front of a reader that frames by itself (the SDK's stdio transport):
 * only complete lines within the limit come out, each ending in `\n`, one chunk per line, so the reader
 * never holds more than one bounded line. A partial line at the end of the input is dropped, as the
 * reader would never have seen it complete.
 */
export function lineFramerStage(options: LineFramerStageOptions): Transform {
  const stage = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
      const hold = options.holdInput?.();
      if (!hold) {
        framer.push(chunk);
        done();
        return;
      }
      void hold.then(() => {
        framer.push(chunk);
        done();
      });
    },
    flush(done: TransformCallback) {
      framer.reset();
      done();
    },
  });
  const framer = new LineFramer(options.maxLineBytes, {
    line: (bytes) => stage.push(Buffer.concat([bytes, NEWLINE_BYTES], bytes.length + 1)),
    oversize: (line) => options.onOversize?.(line),
  });
  return stage;
}

function firstBytes(pieces: readonly Buffer[]): Buffer {
  const picked: Buffer[] = [];
  let size = 0;
  for (const piece of pieces) {
    if (size >= EDGE_BYTES) break;
    const part = piece.subarray(0, EDGE_BYTES - size);
    picked.push(part);
    size += part.length;
  }
  return Buffer.concat(picked);
}

function lastBytes(previous: Buffer, piece: Buffer): Buffer {
  if (piece.length >= EDGE_BYTES) return Buffer.from(piece.subarray(piece.length - EDGE_BYTES));
  const joined = Buffer.concat([previous, piece]);
  return joined.subarray(Math.max(0, joined.length - EDGE_BYTES));
}

function stripCarriageReturn(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN ? line.subarray(0, -1) : line;
}
