import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { StartupError } from '../errors/errors.js';

// One writer per audit file. Two processes appending to one file would interleave two hash chains, and
// `audit verify` would find the file broken with nobody having touched it. Node has no flock(2): the lock
// is a file next to the log, created with O_EXCL, holding the owner's pid. It is removed when the log is
// closed and when the process exits; a process killed with SIGKILL leaves it behind, and the next start
// takes it over once it has checked that no process has that pid any more.

export interface AuditLock {
  readonly path: string;
  release(): void;
}

interface LockOwner {
  readonly pid: number;
  readonly host?: string;
}

/** Lock files held by this process: a second log on the same file in one process is refused too. */
const held = new Set<string>();
let exitHookInstalled = false;

/** Takes the lock of the audit file `logPath`, or throws a StartupError naming the process that holds it. */
export function acquireAuditLock(logPath: string): AuditLock {
  // Absolute: one file named two ways in one process is still one lock.
  const path = `${resolve(logPath)}.lock`;
  const owner = JSON.stringify({ pid: process.pid, host: hostname() });
  // Two rounds: the first may find a lock its owner left behind when it was killed.
  for (let round = 0; round < 2; round++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StartupError([
          `cannot create the lock file '${path}' of audit log '${logPath}' (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        ]);
      }
      const current = readOwner(path);
      if (current && (held.has(path) || isRunning(current))) {
        const where = current.host && current.host !== hostname() ? ` on host '${current.host}'` : '';
        throw new StartupError([
          `audit log '${logPath}' is in use by another scoped-mcp process (pid ${current.pid}${where}; lock file '${path}'). ` +
            'Two processes writing one audit log would break its hash chain: give each process its own --audit-log. ' +
            `If no such process exists, delete '${path}'.`,
        ]);
      }
      // Left behind by a process that no longer runs (or unreadable, half-written by one killed while writing it).
      try {
        unlinkSync(path);
      } catch {
        // Another process starting now removed it first; the next round decides between us.
      }
      continue;
    }
    try {
      writeSync(fd, owner);
    } finally {
      closeSync(fd);
    }
    held.add(path);
    installExitHook();
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        held.delete(path);
        removeIfOurs(path);
      },
    };
  }
  throw new StartupError([`cannot take the lock file '${path}' of audit log '${logPath}'`]);
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, host: parsed.host } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the lock's owner may still be running. A lock written on another host (a shared volume) cannot be
 * checked from here, so it counts as held: refusing to start is the safe side.
 */
function isRunning(owner: LockOwner): boolean {
  if (owner.host !== undefined && owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function removeIfOurs(path: string): void {
  if (readOwner(path)?.pid !== process.pid) return;
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // An exit without a clean shutdown (an uncaught error, process.exit from elsewhere) still frees the lock.
  process.on('exit', () => {
    for (const path of held) removeIfOurs(path);
  });
}
