import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, tempDir, waitFor } from './__fixtures__/test-helpers.js';
import { guardedLaunch, missingProgram } from './group-guard.js';

const started: ChildProcess[] = [];
afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/** Starts `command args` as the transport does: detached (its own group), guarded. */
function launch(command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const { file, args: argv, guardFd } = guardedLaunch(command, args, { PATH: process.env.PATH!, ...env });
  expect(guardFd).toBe(3);
  const child = spawn(file, [...argv], {
    env: { PATH: process.env.PATH!, ...env },
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(child);
  (child.stdio[3] as Readable).resume();
  return child;
}

/** Alive and not a zombie (an orphan's zombie waits for PID 1, which in a container may never reap it). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return existsSync('/proc/self') ? false : isAlive(pid);
  }
}

function readAll(stream: Readable): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('end', () => resolve(text));
  });
}

describe('guardedLaunch', () => {
  it('runs the upstream as the spawned process itself: same pid, its own stdout, no signal ignored', async () => {
    const child = launch('/bin/sh', ['-c', 'echo $$; grep SigIgn /proc/self/status || echo "SigIgn:\t0"']);
    // exec kept the pid (the upstream is scoped-mcp's child), and stdout ended with the upstream: the
    // guard, still alive, keeps no copy of the pipe.
    const [pid, ignored] = (await readAll(child.stdout as Readable)).trim().split('\n');
    expect(pid).toBe(String(child.pid));
    expect(ignored).toMatch(/^SigIgn:\s+0+$/);
  });

  it("gives the upstream exactly its environment: the shell's PWD only when the manifest sets one", async () => {
    const plain = launch('/usr/bin/env', [], { FOO: 'bar' });
    expect((await readAll(plain.stdout as Readable)).trim().split('\n').sort()).toEqual([
      'FOO=bar',
      `PATH=${process.env.PATH}`,
    ]);
    // A PWD from the manifest is set right by the shell: it names the working directory.
    const withPwd = launch('/usr/bin/env', [], { PWD: '/somewhere/else' });
    expect((await readAll(withPwd.stdout as Readable)).trim().split('\n')).toContain(`PWD=${process.cwd()}`);
  });

  it('kills the whole group, children that ignore SIGTERM included, once its pipe to scoped-mcp ends', async () => {
    // The upstream and a child of its own both ignore SIGTERM and never read stdin.
    const child = launch('/bin/sh', ['-c', "trap '' TERM; sleep 60 & echo $!; wait"]);
    const grandchild = Number(
      await new Promise<string>((resolve) => child.stdout!.once('data', (chunk) => resolve(String(chunk)))),
    );
    expect(running(child.pid!)).toBe(true);
    expect(running(grandchild)).toBe(true);
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(running(child.pid!) && running(grandchild)).toBe(true);
    // What scoped-mcp's death, however it died, does to the guard's pipe.
    (child.stdio[3] as Readable).destroy();
    await waitFor(() => !running(child.pid!) && !running(grandchild), 2000);
  });
});

describe('missingProgram', () => {
  it("reports a program that is not there as spawn does, with the upstream's name", () => {
    const missing = missingProgram('surely-not-a-command-xyz', process.env.PATH, '/');
    expect(missing?.message).toBe('spawn surely-not-a-command-xyz ENOENT');
    expect(missing?.code).toBe('ENOENT');
    expect(missingProgram('./nope', process.env.PATH, '/')?.code).toBe('ENOENT');
  });

  it('finds programs on the PATH and paths relative to the working directory', async () => {
    const dir = await tempDir('which');
    try {
      const script = join(dir.path, 'run.sh');
      await writeFile(script, '#!/bin/sh\n');
      expect(missingProgram('./run.sh', undefined, dir.path)?.code).toBe('EACCES');
      expect(missingProgram('run.sh', dir.path, '/')?.code).toBe('EACCES');
      await chmod(script, 0o755);
      expect(missingProgram('./run.sh', undefined, dir.path)).toBeUndefined();
      expect(missingProgram('run.sh', `/nonexistent:${dir.path}`, '/')).toBeUndefined();
      expect(missingProgram('sh', process.env.PATH, '/')).toBeUndefined();
      // A name without a PATH to look in: left to the shell, as spawn leaves it to execvp.
      expect(missingProgram('sh', undefined, '/')).toBeUndefined();
    } finally {
      await dir.remove();
    }
  });
});
