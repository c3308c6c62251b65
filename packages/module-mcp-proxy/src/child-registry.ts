import type { ChildProcess } from 'node:child_process';

/**
 * Every upstream process group still alive. Teardown normally ends them, but core exits the process when
 * its shutdown deadline passes; this last-chance `exit` hook kills what is left (process.kill is
 * synchronous, so it works there), so no upstream outlives the proxy.
 */
const live = new Set<ChildProcess>();
let hooked = false;

export function trackChild(child: ChildProcess): void {
  if (child.pid === undefined) return;
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!hooked) {
    hooked = true;
    process.once('exit', killAll);
  }
}

/** Signals the child's whole process group (it leads one: spawned detached), so grandchildren go too. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already; try the child alone in case it left its group.
    try {
      child.kill(signal);
    } catch {
      // gone
    }
  }
}

function killAll(): void {
  for (const child of live) signalGroup(child, 'SIGKILL');
  live.clear();
}
