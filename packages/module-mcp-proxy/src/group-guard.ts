import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';

/** How to start a stdio upstream: the program to spawn, its arguments, and whether it is guarded. */
export interface Launch {
  readonly file: string;
  readonly args: readonly string[];
  /** The child's fd whose other end only scoped-mcp holds; undefined when the upstream runs unguarded. */
  readonly guardFd: number | undefined;
}

const SHELL = '/bin/sh';
export const GUARD_FD = 3;
/**
 * Run by /bin/sh as the group leader (spawned detached, so it leads a new process group). It forks the
 * guard, then `exec`s the upstream, which thus keeps the pid scoped-mcp spawned: still scoped-mcp's child,
 * still the group leader, with untouched stdio, signal dispositions and exit status. The guard closes its
 * copies of stdio (so the upstream's pipes end when the upstream does), ignores the polite signals that
 * close() sends the group (ignored before the fork, so none can arrive first; the upstream gets them back
 * before its exec), waits for EOF on fd 3 — whose other end only scoped-mcp holds, so EOF means
 * scoped-mcp is gone, however it ended, SIGKILL included — and then kills its process group: the upstream
 * and every descendant that stayed in the group. The shell exports PWD (the working directory), which
 * the upstream's exact environment does not have: `unset PWD` comes first, unless the manifest sets PWD
 * (the shell then corrects it to the working directory).
 */
const GUARD_SCRIPT = `trap '' HUP INT TERM; (exec 0</dev/null 1>/dev/null 2>&1; read -r _ <&${GUARD_FD}; kill -KILL 0) & trap - HUP INT TERM; exec "$@" ${GUARD_FD}<&-`;
/** The shell's `$0`: how it names itself in its own error messages. */
const GUARD_NAME = 'scoped-mcp-upstream-guard';

let shellPresent: boolean | undefined;

/**
 * The launch for `command args`: through the guard when the platform has process groups and /bin/sh
 * (a distroless image may have neither shell nor util-linux), directly otherwise.
 */
export function guardedLaunch(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Launch {
  shellPresent ??= process.platform !== 'win32' && isExecutableFile(SHELL);
  if (!shellPresent) return { file: command, args, guardFd: undefined };
  const script = env.PWD === undefined ? `unset PWD; ${GUARD_SCRIPT}` : GUARD_SCRIPT;
  return { file: SHELL, args: ['-c', script, GUARD_NAME, command, ...args], guardFd: GUARD_FD };
}

/**
 * The error spawn() gives for a program that is not there, or undefined when it is. Through the guard,
 * the shell would start and then fail to exec; checking first keeps spawn's own report (`spawn x ENOENT`).
 * Found as execvp finds it: a name without `/` on the child's PATH, a path relative to `cwd`.
 */
export function missingProgram(
  command: string,
  path: string | undefined,
  cwd: string,
): NodeJS.ErrnoException | undefined {
  if (!command.includes('/') && path === undefined) return undefined;
  const candidates = command.includes('/')
    ? [resolve(cwd, command)]
    : path!.split(delimiter).map((dir) => resolve(cwd, dir === '' ? '.' : dir, command));
  let code = 'ENOENT';
  for (const file of candidates) {
    if (isExecutableFile(file)) return undefined;
    if (code === 'ENOENT' && exists(file)) code = 'EACCES';
  }
  return spawnError(command, code);
}

/** A spawn error named after the upstream's command, not the shell that launches it. */
export function spawnError(command: string, code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`spawn ${command} ${code}`), {
    code,
    syscall: `spawn ${command}`,
    path: command,
  });
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}
