import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { open } from 'node:fs/promises';
import { CHAIN_EVENTS, CHAIN_GENESIS, chainRecordOf, lineHasher, type SegmentReason } from './hash-chain.js';

// `scoped-mcp audit verify`: reads the file once, front to back, in fixed-size chunks; memory stays bounded
// whatever the file's size (a line longer than LINE_KEPT_BYTES is hashed as it streams past, keeping only its end).

export interface VerifyOptions {
  /** The chain key: every segment must then be keyed, and is checked with it. */
  readonly key?: Buffer;
  /** A head kept outside the file (the ops log's `audit_head`, the health file): a line must have this hash. */
  readonly head?: string;
}

/** Something verification found at a line: a `break` makes the verdict fail, a `note` does not. */
export interface ChainFinding {
  readonly line: number;
  readonly kind: 'break' | 'note';
  readonly message: string;
}

export interface ChainVerdict {
  readonly ok: boolean;
  /** Lines read (blank ones not counted). */
  readonly lines: number;
  readonly segments: number;
  /** In file order; the first `MAX_FINDINGS`, then a count of the rest in `moreFindings`. */
  readonly findings: readonly ChainFinding[];
  readonly moreFindings: number;
  /** 1-based line number of the first break. */
  readonly brokenAt?: number;
  readonly reason?: string;
  /** The line whose hash is `options.head`. */
  readonly headLine?: number;
}

const CHUNK_BYTES = 1024 * 1024;
/** Lines up to this size are kept whole while read (every chain record is far smaller). */
const LINE_KEPT_BYTES = 64 * 1024;
/** The end of a line that says what it is: `,"event":"…","prev":"…"}`. */
const LINE_END_BYTES = 100;
const MAX_FINDINGS = 200;
const PREV_AT_END = /"prev":"([0-9a-f]{32})"\}$/;
/** Reasons that name a line left broken just before the record. */
const BREAK_REASONS: ReadonlySet<SegmentReason> = new Set(['partial_line', 'write_failed']);

/** One line as the reader hands it over: never more than LINE_KEPT_BYTES of it held. */
interface ReadLine {
  readonly number: number;
  readonly offset: number;
  readonly bytes: number;
  /** Hash under the verifier's hasher. */
  readonly hash: string;
  /** Its last bytes, as latin1 text. */
  readonly end: string;
  /** The whole line, when it is short enough to have been kept. */
  readonly whole?: Buffer;
  /** false for the last line of a file that does not end with a newline. */
  readonly terminated: boolean;
}

interface Segment {
  readonly startLine: number;
  /** Lines in it so far, its start record included. */
  lines: number;
  sealed: boolean;
  /** Keyed, and no key given: its links cannot be checked. */
  readonly unchecked: boolean;
}

/**
 * The verdict rules (docs/audit-log.md): a line links to the line before (its `prev`); a segment start links to
 * the last complete line before it; a line cut short is a recorded break only when the next line is a segment
 * start naming its offset; a seal must count its segment's lines and be its last line; with a key, every
 * segment must be keyed; with a head, some line must have that hash. Verification goes on past every break.
 */
class ChainChecker {
  private readonly findings: ChainFinding[] = [];
  private more = 0;
  private firstBreak: ChainFinding | undefined;
  private prev: string | undefined;
  private malformed: ReadLine | undefined;
  private segment: Segment | undefined;
  private segments = 0;
  private lines = 0;
  private headLine: number | undefined;

  constructor(private readonly options: VerifyOptions) {}

  line(line: ReadLine): void {
    this.lines++;
    const prev = line.terminated ? PREV_AT_END.exec(line.end)?.[1] : undefined;
    if (prev === undefined) {
      this.unrecordedBreak();
      this.malformed = line;
      return;
    }
    const record = chainRecordOf(line.end);
    if (record === 'segmentStart') this.segmentStart(line, prev);
    else {
      // The line after a broken one links to what that line was: reported once, at the broken line.
      const afterBreak = this.unrecordedBreak();
      const segment = this.segment ?? this.legacySegment(line.number);
      if (segment.sealed)
        this.report(
          line.number,
          'break',
          'a line after the seal of its segment (a new segment must start first)',
        );
      if (record === 'sealed') this.seal(line, segment);
      else segment.lines++;
      if (!afterBreak && !segment.unchecked) this.checkPrev(line, prev);
    }
    this.prev = line.hash;
    if (this.options.head !== undefined && line.hash === this.options.head) this.headLine = line.number;
  }

  finish(): ChainVerdict {
    if (this.malformed) {
      const { number, bytes, terminated } = this.malformed;
      this.report(
        number,
        'break',
        terminated
          ? `not a complete audit line (${bytes} bytes), and no segment start after it records the break`
          : `the file ends inside a line (${bytes} bytes): written by a process that crashed and has not restarted, or the end was cut`,
      );
    }
    const last = this.segment;
    if (last && !last.sealed && last.lines > 0) {
      this.report(
        last.startLine,
        'note',
        `the last segment (from line ${last.startLine}) is not sealed: its server is still running, or stopped without a clean shutdown, or the end of the file was cut — only --head can tell`,
      );
    }
    if (this.options.head !== undefined) {
      if (this.headLine === undefined)
        this.report(
          this.lines,
          'break',
          `no line has the head hash ${this.options.head}: the end of the file was cut or rewritten (or the head is from another file)`,
        );
      else
        this.report(this.headLine, 'note', `the head is line ${this.headLine}; the chain is intact up to it`);
    }
    return {
      ok: this.firstBreak === undefined,
      lines: this.lines,
      segments: this.segments,
      findings: this.findings,
      moreFindings: this.more,
      ...(this.firstBreak ? { brokenAt: this.firstBreak.line, reason: this.firstBreak.message } : {}),
      ...(this.headLine !== undefined ? { headLine: this.headLine } : {}),
    };
  }

  private segmentStart(line: ReadLine, prev: string): void {
    const fields = parseRecord(line);
    const reason = fields?.reason as SegmentReason | undefined;
    const keyed = fields?.chain === 'hmac-sha256';
    const broken = this.malformed;
    this.malformed = undefined;
    if (broken) {
      const names =
        reason !== undefined &&
        BREAK_REASONS.has(reason) &&
        fields?.break_offset === broken.offset &&
        fields?.break_bytes === broken.bytes;
      if (names)
        this.report(
          broken.number,
          'note',
          `a line cut short (${broken.bytes} bytes, ${reason === 'partial_line' ? 'a crash while writing it' : 'a failed write'}); recorded by the segment starting at line ${line.number}`,
        );
      else
        this.report(
          broken.number,
          'break',
          `not a complete audit line (${broken.bytes} bytes), and the segment start after it does not record it`,
        );
    } else if (reason !== undefined && BREAK_REASONS.has(reason)) {
      this.report(line.number, 'break', 'this segment start records a broken line that is not there');
    }
    const before = this.segment;
    if (before && !before.sealed && before.lines > 0 && reason === 'unsealed')
      this.report(
        before.startLine,
        'note',
        `the segment from line ${before.startLine} to ${line.number - 1 - (broken ? 1 : 0)} ended without a seal (its process was killed or crashed)`,
      );
    if (fields === undefined) this.report(line.number, 'break', 'a segment start that is not valid JSON');
    const unchecked = keyed && this.options.key === undefined;
    if (unchecked)
      this.report(
        line.number,
        'break',
        'this segment is keyed (HMAC): pass the key (--key-env) to verify it',
      );
    else if (!keyed && this.options.key !== undefined)
      this.report(
        line.number,
        'break',
        'this segment is not keyed, though a key was given: anyone able to write the file could have rewritten it',
      );
    this.segments++;
    this.segment = { startLine: line.number, lines: 1, sealed: false, unchecked };
    if (!unchecked) this.checkPrev(line, prev);
  }

  private seal(line: ReadLine, segment: Segment): void {
    const fields = parseRecord(line);
    if (fields?.lines !== segment.lines)
      this.report(
        line.number,
        'break',
        `the seal counts ${String(fields?.lines)} lines, the segment from line ${segment.startLine} has ${segment.lines}`,
      );
    segment.sealed = true;
  }

  private legacySegment(startLine: number): Segment {
    // A file written before segments existed: one unkeyed chain from its first line.
    if (this.options.key !== undefined)
      this.report(startLine, 'break', 'these lines are not keyed (no segment start), though a key was given');
    this.segments++;
    this.segment = { startLine, lines: 0, sealed: false, unchecked: false };
    return this.segment;
  }

  private checkPrev(line: ReadLine, prev: string): void {
    if (prev === (this.prev ?? CHAIN_GENESIS)) return;
    this.report(
      line.number,
      'break',
      this.prev === undefined
        ? 'the first line does not start the chain (lines before it were removed?)'
        : 'prev does not match the line before',
    );
  }

  /** A malformed line followed by anything but a segment start that records it; true if there was one. */
  private unrecordedBreak(): boolean {
    if (!this.malformed) return false;
    const { number, bytes } = this.malformed;
    this.malformed = undefined;
    this.report(number, 'break', `not a complete audit line (${bytes} bytes)`);
    return true;
  }

  private report(line: number, kind: 'break' | 'note', message: string): void {
    const finding = { line, kind, message };
    if (kind === 'break') this.firstBreak ??= finding;
    if (this.findings.length < MAX_FINDINGS) this.findings.push(finding);
    else this.more++;
  }
}

function parseRecord(line: ReadLine): Record<string, unknown> | undefined {
  if (!line.whole) return undefined;
  try {
    const parsed = JSON.parse(line.whole.toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const event = (parsed as { event?: unknown }).event;
    return event === CHAIN_EVENTS.segmentStart || event === CHAIN_EVENTS.sealed
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a byte stream into lines, hashing each and keeping at most LINE_KEPT_BYTES of it. */
class LineReader {
  private number = 0;
  /** Offset of the line being read. */
  private lineOffset = 0;
  private lineBytes = 0;
  /** Pieces of a line that spans chunks, copied (the chunk buffer is read into again). */
  private kept: Buffer[] = [];
  /** A line longer than LINE_KEPT_BYTES: hashed as it streams past, only its end kept. */
  private streaming: Hash | Hmac | undefined;
  private tail: Buffer = Buffer.alloc(0);
  private readonly hashOf: (line: Buffer) => string;

  constructor(
    private readonly key: Buffer | undefined,
    private readonly onLine: (line: ReadLine) => void,
  ) {
    this.hashOf = lineHasher(key);
  }

  push(chunk: Buffer): void {
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, from);
      if (newline < 0) break;
      this.append(chunk.subarray(from, newline), false);
      this.emit(true);
      from = newline + 1;
    }
    if (from < chunk.length) this.append(chunk.subarray(from), true);
  }

  end(): void {
    if (this.lineBytes > 0) this.emit(false);
  }

  private append(piece: Buffer, copy: boolean): void {
    if (piece.length === 0) return;
    this.lineBytes += piece.length;
    if (this.streaming) {
      this.streaming.update(piece);
      this.tail = Buffer.concat([this.tail, piece]).subarray(-LINE_END_BYTES);
      return;
    }
    this.kept.push(copy ? Buffer.from(piece) : piece);
    if (this.lineBytes > LINE_KEPT_BYTES) {
      const whole = Buffer.concat(this.kept);
      this.streaming = this.key ? createHmac('sha256', this.key) : createHash('sha256');
      this.streaming.update(whole);
      this.tail = Buffer.from(whole.subarray(-LINE_END_BYTES));
      this.kept = [];
    }
  }

  private emit(terminated: boolean): void {
    this.number++;
    const offset = this.lineOffset;
    const bytes = this.lineBytes;
    this.lineOffset += bytes + (terminated ? 1 : 0);
    let line: ReadLine | undefined;
    if (this.streaming) {
      const hash = this.streaming.digest('hex').slice(0, 32);
      line = { number: this.number, offset, bytes, hash, end: this.tail.toString('latin1'), terminated };
    } else if (bytes > 0) {
      // A blank line is numbered, but it is no audit line.
      const whole = this.kept.length === 1 ? this.kept[0]! : Buffer.concat(this.kept);
      line = {
        number: this.number,
        offset,
        bytes,
        hash: this.hashOf(whole),
        end: whole.subarray(-LINE_END_BYTES).toString('latin1'),
        whole,
        terminated,
      };
    }
    this.kept = [];
    this.lineBytes = 0;
    this.streaming = undefined;
    this.tail = Buffer.alloc(0);
    if (line) this.onLine(line);
  }
}

/** Verifies an audit log held in memory (tests; small logs). */
export function verifyChain(text: string | Buffer, options: VerifyOptions = {}): ChainVerdict {
  const checker = new ChainChecker(options);
  const reader = new LineReader(options.key, (line) => checker.line(line));
  reader.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  reader.end();
  return checker.finish();
}

/** Verifies an audit log file, streaming it: memory stays bounded whatever its size. */
export async function verifyAuditFile(path: string, options: VerifyOptions = {}): Promise<ChainVerdict> {
  const checker = new ChainChecker(options);
  const reader = new LineReader(options.key, (line) => checker.line(line));
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      reader.push(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
  reader.end();
  return checker.finish();
}
