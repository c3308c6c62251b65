import { type ChildProcess, execFile, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { ToolFailure } from '@scoped-mcp/core';
import {
  type DatabaseRequest,
  type DatabaseSettings,
  fromWireError,
  type ToProxy,
  type ToServer,
} from './database-protocol.js';
import { SERVER_ENTRY } from './server-entry.js';

const MIB = 1024 * 1024;
/** How long an idle process may take to close its connections and exit before it is killed. */
const CLOSE_WAIT_MS = 1000;
/** How long a process may take to start and open the file, beyond the busy timeout. */
const START_GRACE_MS = 10_000;
const STDERR_TAIL_CHARS = 4000;

/** util-linux tools, looked for where distributions install them (never on PATH's say-so); Linux only. */
function utilLinux(name: string): string | undefined {
  if (process.platform !== 'linux') return undefined;
  return [`/usr/bin/${name}`, `/bin/${name}`, `/usr/sbin/${name}`].find((path) => existsSync(path));
}
/** Sets the database process's memory limit once it has started. */
const PRLIMIT = utilLinux('prlimit');

let setprivProbe: Promise<string | undefined> | undefined;

/**
 * setpriv, when it can start the database process with the parent-death signal set, so that the kernel
 * kills it with the proxy (`--pdeathsig` came with util-linux 2.33); asked once per process.
 */
function parentDeathLauncher(): Promise<string | undefined> {
  setprivProbe ??= new Promise((resolve) => {
    const setpriv = utilLinux('setpriv');
    if (setpriv === undefined) return resolve(undefined);
    execFile(setpriv, ['--help'], (error, stdout) =>
      resolve(error === null && stdout.includes('--pdeathsig') ? setpriv : undefined),
    );
  });
  return setprivProbe;
}

/**
 * Every database process still alive, killed by the last-chance `exit` hook: core exits the process when
 * its shutdown deadline passes, and process.kill is synchronous. (When the proxy is killed outright, the
 * parent-death signal, or the database process's own watcher, ends it.)
 */
const live = new Set<ChildProcess>();
let exitHooked = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const each of live) each.kill('SIGKILL');
  });
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The end of what the process wrote to stderr (V8 reports running out of memory there). */
  readonly stderr: string;
}

export interface ServerEvents {
  onReply(message: Extract<ToProxy, { type: 'reply' }>): void;
  /** Not called for a process this side killed. */
  onUnexpectedExit(exit: ExitInfo): void;
  /** The process runs without the memory limit, and why. */
  onMemoryUnlimited(reason: string): void;
  /** The file was already larger than max_db_bytes when opened. */
  onOverLimit(bytes: number): void;
  onError(error: Error): void;
}

/**
 * One database process (database-server.ts): started with the parent-death signal set (setpriv) or
 * told to watch for its parent's death itself, no environment but the compile cache, no stdout, and,
 * once its file is open, a memory limit. Ends by closing its connections, or by SIGKILL.
 */
export class ServerProcess {
  readonly #child: ChildProcess;
  readonly exited: Promise<void>;
  /** Settles once the database is open and the memory limit set; rejects (the process is killed) if not. */
  readonly ready: Promise<void>;
  #isReady = false;
  /** True once this side killed it: its exit is expected. */
  #killed = false;
  #stderr = '';

  private constructor(child: ChildProcess, settings: DatabaseSettings, events: ServerEvents) {
    this.#child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    child.on('message', (message: ToProxy) => {
      if (message.type === 'reply') events.onReply(message);
    });
    // A message that cannot be sent (the process just died) is reported here; its exit follows.
    child.on('error', (error) => events.onError(error));
    child.once('exit', (code, signal) => {
      if (!this.#killed) events.onUnexpectedExit({ code, signal, stderr: this.#stderr });
    });
    this.ready = this.#open(settings).then(
      async (opened) => {
        await this.#limitMemory(opened.footprintBytes, settings.maxMemoryBytes, events);
        if (opened.overLimitBytes !== undefined) events.onOverLimit(opened.overLimitBytes);
        this.#isReady = true;
      },
      (error: unknown) => {
        this.kill();
        throw error;
      },
    );
  }

  /** Starts a database process and has it open the agent's database (see `ready`). */
  static async spawn(settings: DatabaseSettings, events: ServerEvents): Promise<ServerProcess> {
    const setpriv = await parentDeathLauncher();
    const nodeArgv = [
      ...SERVER_ENTRY.nodeArgv,
      // V8 collects garbage before reaching the memory limit instead of failing at it.
      `--max-old-space-size=${Math.ceil(settings.maxMemoryBytes / MIB)}`,
      '--max-semi-space-size=1',
    ];
    // Without setpriv the database process watches for its parent's death itself (database-server.ts).
    const child = fork(SERVER_ENTRY.path, setpriv === undefined ? ['--watch-parent'] : [], {
      ...(setpriv === undefined
        ? { execArgv: nodeArgv }
        : { execPath: setpriv, execArgv: ['--pdeathsig', 'KILL', '--', process.execPath, ...nodeArgv] }),
      env: childEnvironment(),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    track(child);
    return new ServerProcess(child, settings, events);
  }

  get pid(): number | undefined {
    return this.#child.exitCode === null && this.#child.signalCode === null ? this.#child.pid : undefined;
  }

  send(id: number, request: DatabaseRequest): void {
    const message: ToServer = { type: 'request', id, ...request };
    this.#child.send(message);
  }

  /** SIGKILL: whatever the statement was doing stops; SQLite rolls back what it had not committed. */
  kill(): void {
    this.#killed = true;
    this.#child.kill('SIGKILL');
  }

  /**
   * An idle, open process closes its connections (checkpointing the WAL) and exits, or is killed after a
   * second; one still starting is killed.
   */
  async close(): Promise<void> {
    if (!this.#isReady) this.kill();
    else if (!this.#killed && this.#child.connected) this.#child.disconnect();
    const timer = setTimeout(() => this.kill(), CLOSE_WAIT_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** Sends `open` and waits for the process to answer it, exit, or run out of time. */
  #open(settings: DatabaseSettings): Promise<Extract<ToProxy, { type: 'ready' }>> {
    const child = this.#child;
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.off('error', onError);
      };
      const onMessage = (message: ToProxy) => {
        if (message.type === 'ready') {
          done();
          resolve(message);
        } else if (message.type === 'failed') {
          done();
          reject(fromWireError(message.error));
        }
      };
      const onExit = () => {
        done();
        reject(new ToolFailure('The database process stopped while opening the database'));
      };
      const onError = (error: Error) => {
        done();
        reject(error);
      };
      const timer = setTimeout(() => {
        done();
        reject(new ToolFailure('The database process did not start in time'));
      }, settings.busyTimeoutMs + START_GRACE_MS);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.once('error', onError);
      const open: ToServer = { type: 'open', settings };
      child.send(open);
    });
  }

  /**
   * Caps the memory the process may map for data at its footprint plus max_memory_bytes (RLIMIT_DATA,
   * which counts malloc and V8's heap alike): SQLite then fails a statement with SQLITE_NOMEM instead of
   * growing. Set from outside, with prlimit(1), because Node cannot set its own limits; the footprint is
   * only known once Node and the database are up. Linux only.
   */
  async #limitMemory(
    footprintBytes: number | undefined,
    maxMemoryBytes: number,
    events: ServerEvents,
  ): Promise<void> {
    const pid = this.#child.pid;
    if (PRLIMIT === undefined || footprintBytes === undefined || pid === undefined) {
      events.onMemoryUnlimited(process.platform === 'linux' ? 'prlimit not found' : 'not Linux');
      return;
    }
    const limit = footprintBytes + maxMemoryBytes;
    await new Promise<void>((resolve) => {
      execFile(PRLIMIT, ['--pid', String(pid), `--data=${limit}:${limit}`, '--core=0:0'], (error) => {
        if (error) events.onMemoryUnlimited(`prlimit failed: ${error.message}`);
        resolve();
      });
    });
  }
}

/**
 * The database process gets no environment but the compile cache: it needs none, and the proxy's may hold
 * credentials meant for other modules.
 */
function childEnvironment(): NodeJS.ProcessEnv {
  const cache = module.getCompileCacheDir?.();
  return cache === undefined ? {} : { NODE_COMPILE_CACHE: cache };
}
