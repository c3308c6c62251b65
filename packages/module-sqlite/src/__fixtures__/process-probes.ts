import { readdirSync, readFileSync } from 'node:fs';

/**
 * Measurements of this test process and the processes it started, read from /proc (Linux only): what a
 * test needs to prove that nothing keeps running after a statement was stopped.
 */
export const hasProc = process.platform === 'linux';

const CLOCK_TICKS_MS = 10; // USER_HZ is 100 on every Linux the tests run on.

interface ProcStat {
  readonly ppid: number;
  /** utime + stime, in ms. */
  readonly cpuMs: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(fields[1]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { ppid, cpuMs: ticks * CLOCK_TICKS_MS };
}

/** Pids of this process's children whose command line contains `marker`. */
export function childPids(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || readStat(pid)?.ppid !== process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) found.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

/** CPU time used so far by this process and by each pid given (a pid that is gone counts as 0). */
export function cpuMs(pids: readonly number[]): number {
  const own = process.cpuUsage();
  let total = (own.user + own.system) / 1000;
  for (const pid of pids) total += readStat(pid)?.cpuMs ?? 0;
  return total;
}

/** True while `pid` exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2, text.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/**
 * Watches the event loop: the longest a 5 ms timer was late while the probe ran. A statement that blocks
 * the loop shows up here as its whole running time.
 */
export function loopLagProbe(): { stop(): number } {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 5);
    last = now;
  }, 5);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(worst, performance.now() - last - 5);
    },
  };
}
