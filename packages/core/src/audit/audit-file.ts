import fs from 'node:fs';
import { dirname } from 'node:path';
import { type AuditLock, acquireAuditLock } from './audit-lock.js';

// The audit log's bytes on disk: one writer (the lock), what the last writer left at the end of the file,
// and every line written with one synchronous write, its failure known to the byte.

/** A line that was only partly written: a crash or a failed write left `bytes` bytes from `offset` on. */
export interface LineBreak {
  readonly offset: number;
  readonly bytes: number;
}

/** What the file held when it was opened. */
export interface FileTail {
  /** The last complete line (its bytes, without the newline); absent in an empty file. */
  readonly lastLine?: Buffer;
  /** A last line without its newline: the writer before died while writing it. */
  readonly partial?: LineBreak;
}

export interface AuditFile {
  /** What was at the end of the file when it was opened (always empty for a pipe or a device). */
  readonly tail: FileTail;
  /** Whether breaks can be located (a regular file): a pipe or a device has no offsets. */
  readonly seekable: boolean;
  /**
   * Writes one line synchronously. Throws the file system's error; when part of the line reached the file,
   * the break is kept (`pendingBreak`) and the partial line is ended before the next line is written.
   */
  write(line: string): void;
  /** A partly written line not recorded yet (left by the last writer, or by a failed write of this one). */
  pendingBreak(): LineBreak | undefined;
  /** The break has been recorded in the chain (by a segment record). */
  clearBreak(): void;
  close(): void;
}

/** Opens (creating it owner-only) and locks the audit file, and reads what the last writer left at its end. */
export function openAuditFile(path: string): AuditFile {
  fs.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let seekable = true;
  try {
    seekable = fs.statSync(path).isFile();
  } catch {
    // Not there yet: it will be a regular file.
  }
  // A pipe or a device (`/dev/null`, a FIFO to a collector) has its own reader; only a file can be shared by
  // two writers, and only a file has an end to read back.
  const lock: AuditLock | undefined = seekable ? acquireAuditLock(path) : undefined;
  let fd: number;
  try {
    // Appending, and readable: the end the last writer left is read back through the same descriptor.
    fd = fs.openSync(path, 'a+', 0o600);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const tail = seekable ? readTail(fd) : {};
  let pending: LineBreak | undefined = tail.partial;
  // Whether the partly written line still needs its newline, so that the next line starts on its own.
  let unterminated = pending !== undefined;
  let closed = false;
  const progress = { written: 0 };

  return {
    tail,
    seekable,
    write(line) {
      if (closed) throw new Error('audit log closed');
      try {
        progress.written = 0;
        if (unterminated) {
          writeFully(fd, '\n', progress);
          unterminated = false;
          progress.written = 0;
        }
        writeFully(fd, line, progress);
      } catch (error) {
        if (progress.written > 0 && seekable) {
          pending ??= { offset: fs.fstatSync(fd).size - progress.written, bytes: progress.written };
          unterminated = true;
        }
        throw error;
      }
    },
    pendingBreak: () => pending,
    clearBreak() {
      pending = undefined;
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        fs.closeSync(fd);
      } finally {
        lock?.release();
      }
    },
  };
}

/** The audit stream on stderr (no `--audit-log`): no lock, no past to read back. */
export function stderrAuditFile(): AuditFile {
  return {
    tail: {},
    seekable: false,
    write(line) {
      writeFully(2, line);
    },
    pendingBreak: () => undefined,
    clearBreak() {},
    close() {},
  };
}

/** Reads backwards from the end: a partial last line, and the last complete line before it (startup only). */
function readTail(fd: number): FileTail {
  const size = fs.fstatSync(fd).size;
  if (size === 0) return {};
  let end = size;
  let partial: LineBreak | undefined;
  if (byteAt(fd, size - 1) !== 0x0a) {
    const start = lineStart(fd, size);
    partial = { offset: start, bytes: size - start };
    end = start;
  }
  // Blank lines are no lines (the writer never writes one): skipped, as verification skips them.
  while (end > 0 && byteAt(fd, end - 1) === 0x0a) end--;
  if (end === 0) return partial ? { partial } : {};
  const start = lineStart(fd, end);
  const lastLine = Buffer.alloc(end - start);
  fs.readSync(fd, lastLine, 0, lastLine.length, start);
  return partial ? { lastLine, partial } : { lastLine };
}

function byteAt(fd: number, offset: number): number | undefined {
  const one = Buffer.alloc(1);
  return fs.readSync(fd, one, 0, 1, offset) === 1 ? one[0] : undefined;
}

/** Offset where the line ending at `end` begins, however long the line. */
function lineStart(fd: number, end: number): number {
  const chunkSize = 64 * 1024;
  let start = end;
  while (start > 0) {
    const from = Math.max(0, start - chunkSize);
    const chunk = Buffer.alloc(start - from);
    fs.readSync(fd, chunk, 0, chunk.length, from);
    const newline = chunk.lastIndexOf(0x0a);
    if (newline >= 0) return from + newline + 1;
    start = from;
  }
  return 0;
}

/** How long to wait before retrying a write the destination refused for now (EAGAIN on a FIFO). */
const BUSY_RETRY_MS = 10;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes the whole text with `writeSync`: almost always in one go (a regular file takes it at once); a partial
 * write is finished and a busy destination (EAGAIN on a non-blocking pipe) waited out. Any other error is
 * thrown, `progress.written` then saying how many bytes of the text got through.
 */
export function writeFully(fd: number, text: string, progress?: { written: number }): void {
  let written = 0;
  try {
    written = fs.writeSync(fd, text);
  } catch (error) {
    if (!isBusy(error)) throw error;
  }
  const length = Buffer.byteLength(text);
  if (written === length) return;
  const bytes = Buffer.from(text, 'utf8');
  while (written < length) {
    try {
      written += fs.writeSync(fd, bytes, written, length - written);
    } catch (error) {
      if (!isBusy(error)) {
        if (progress) progress.written = written;
        throw error;
      }
      Atomics.wait(sleepCell, 0, 0, BUSY_RETRY_MS);
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EBUSY';
}
