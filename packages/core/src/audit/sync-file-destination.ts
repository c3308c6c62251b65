// The module object, not named bindings: a test can then watch which fds are written (stdout never is).
import fs from 'node:fs';

/** What pino needs from a destination, plus the flush hooks `createLoggers` calls at shutdown. */
export interface SyncFileDestination {
  write(line: string): boolean;
  flushSync(): void;
  flush(callback?: (error?: Error) => void): void;
}

/** How long to wait before retrying a write the destination refused for now (EAGAIN on a FIFO). */
const BUSY_RETRY_MS = 10;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * An append-only file written with one `writeSync` per line, nothing buffered: each audit line is on disk
 * (in the page cache) before the call that logged it returns. Replaces pino's SonicBoom for files, whose
 * buffering bookkeeping costs more per line than the write itself on the tool-call hot path. A partial
 * write is finished and a busy destination retried; any other error throws to the caller that logged.
 */
export function openSyncFileDestination(path: string, mode: number): SyncFileDestination {
  return syncFdDestination(fs.openSync(path, 'a', mode));
}

/** The same over an fd already open, e.g. stderr (2), which may be a non-blocking pipe: EAGAIN is waited out. */
export function syncFdDestination(fd: number): SyncFileDestination {
  return {
    write(line) {
      let written = 0;
      try {
        written = fs.writeSync(fd, line);
      } catch (error) {
        if (!isBusy(error)) throw error;
      }
      // Almost always the whole line (a regular file takes it in one go); anything else is finished here.
      if (written !== Buffer.byteLength(line)) finish(fd, line, written);
      return true;
    },
    flushSync() {},
    flush(callback) {
      callback?.();
    },
  };
}

function finish(fd: number, line: string, written: number): void {
  const bytes = Buffer.from(line, 'utf8');
  let offset = written;
  while (offset < bytes.length) {
    try {
      offset += fs.writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      if (!isBusy(error)) throw error;
      Atomics.wait(sleepCell, 0, 0, BUSY_RETRY_MS);
    }
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EAGAIN' || code === 'EBUSY';
}
