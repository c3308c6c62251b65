/** True while a process with this pid exists (signal 0 only checks; Node reaps its exited children). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Polls until the process is gone; returns the milliseconds it took, or undefined on timeout. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<number | undefined> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (!isAlive(pid)) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return isAlive(pid) ? undefined : performance.now() - started;
}
