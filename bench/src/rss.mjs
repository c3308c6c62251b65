// Resident memory of a whole process tree (the server plus any upstreams it spawned), Linux /proc only.
import { readdir, readFile } from 'node:fs/promises';

/** VmRSS in MiB summed over pid and its descendants; undefined where /proc is unavailable. */
export async function treeRssMiB(pid) {
  if (pid === undefined || pid === null) return undefined;
  try {
    let kib = 0;
    const stack = [pid];
    const seen = new Set();
    while (stack.length > 0) {
      const p = stack.pop();
      if (seen.has(p)) continue;
      seen.add(p);
      const status = await readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
      kib += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const tasks = await readdir(`/proc/${p}/task`).catch(() => []);
      for (const task of tasks) {
        const children = await readFile(`/proc/${p}/task/${task}/children`, 'utf8').catch(() => '');
        for (const c of children.split(' ')) if (c) stack.push(Number(c));
      }
    }
    return kib / 1024;
  } catch {
    return undefined;
  }
}
