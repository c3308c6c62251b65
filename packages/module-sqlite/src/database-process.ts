import { type JsonValue, LimitExceededError, type ModuleLogger, ToolFailure } from '@scoped-mcp/core';
import {
  type DatabaseRequest,
  type DatabaseSettings,
  fromWireError,
  type ToProxy,
} from './database-protocol.js';
import type { StatementKind } from './guard/program-check.js';
import type { SqlParameters } from './params.js';
import type { ResultLimits } from './rows.js';
import { type ExitInfo, ServerProcess } from './server-process.js';
import { prepareAgentFile } from './storage.js';

export interface DatabaseProcessOptions {
  /** Absolute directory holding every agent's file. */
  readonly dbDir: string;
  readonly agentId: string;
  readonly limits: ResultLimits;
  readonly busyTimeoutMs: number;
  readonly journalMode: 'wal' | 'delete';
  readonly statementTimeoutMs: number;
  readonly maxDbBytes: number;
  readonly maxMemoryBytes: number;
  /** What execute refuses unless the manifest allows it, and execute's exposed name for the message. */
  readonly refusedKinds: readonly StatementKind[];
  readonly executeTool: string;
  readonly log: ModuleLogger;
}

/** How long a new process waits for a stopped one to release the file's locks. */
const STOPPED_EXIT_WAIT_MS = 1000;

interface Pending {
  readonly request: DatabaseRequest;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly onAbort: () => void;
}

interface Running {
  readonly pending: Pending;
  readonly id: number;
  server: ServerProcess | undefined;
  timer: NodeJS.Timeout | undefined;
}

const CANCELLED = 'The statement was cancelled';
const STOPPED_UNEXPECTEDLY = 'The database process stopped unexpectedly; the next call starts a new one';
const CLOSED = 'The database is shutting down';

/**
 * The agent's database as the proxy process sees it: a database process (database-server.ts) owns the
 * connections, and statements are sent to it one at a time. better-sqlite3 can neither interrupt a
 * statement nor cap its memory, and a worker thread inside a native call cannot be terminated, so a
 * statement that runs past statement_timeout_ms, is cancelled, or is running at shutdown is stopped by
 * killing its process; the next call starts a new one. The proxy's event loop never waits for SQLite.
 */
export class DatabaseProcess {
  readonly #settings: DatabaseSettings;
  readonly #statementTimeoutMs: number;
  readonly #log: ModuleLogger;
  readonly #queue: Pending[] = [];
  /** The process serving calls, or starting to; undefined when the next call must start one. */
  #server: Promise<ServerProcess> | undefined;
  /** The most recently started process. */
  #last: ServerProcess | undefined;
  #running: Running | undefined;
  #nextId = 0;
  #closed = false;
  #memoryNoticeGiven = false;

  private constructor(settings: DatabaseSettings, options: DatabaseProcessOptions) {
    this.#settings = settings;
    this.#statementTimeoutMs = options.statementTimeoutMs;
    this.#log = options.log;
  }

  /**
   * Prepares the file and starts the database process, without waiting for it to open the database: a
   * process start (about 100 ms) would otherwise delay the agent's first tools/list. The first call waits
   * for it if it is not ready yet; a database that cannot be opened is logged now and fails every call.
   */
  static async start(options: DatabaseProcessOptions): Promise<DatabaseProcess> {
    const file = await prepareAgentFile(options.dbDir, options.agentId, options.log);
    const database = new DatabaseProcess(
      {
        ...file,
        limits: options.limits,
        busyTimeoutMs: options.busyTimeoutMs,
        journalMode: options.journalMode,
        maxDbBytes: options.maxDbBytes,
        maxMemoryBytes: options.maxMemoryBytes,
        refusedKinds: options.refusedKinds,
        executeTool: options.executeTool,
      },
      options,
    );
    database.#ensureServer().catch((error: unknown) => {
      if (database.#closed) return;
      options.log.error(
        { error: error instanceof Error ? error.message : String(error) },
        'sqlite database could not be opened',
      );
    });
    return database;
  }

  /** Resolves once the database process has opened the database (rejects with why it could not). */
  async opened(): Promise<void> {
    await this.#ensureServer();
  }

  /** Process id of the database process while one runs (diagnostics and tests). */
  get pid(): number | undefined {
    return this.#last?.pid;
  }

  query(sql: string, params: SqlParameters, signal?: AbortSignal): Promise<string> {
    return this.#call({ op: 'query', sql, params }, signal) as Promise<string>;
  }

  execute(sql: string, params: SqlParameters, signal?: AbortSignal): Promise<JsonValue> {
    return this.#call({ op: 'execute', sql, params }, signal) as Promise<JsonValue>;
  }

  listTables(signal?: AbortSignal): Promise<string[]> {
    return this.#call({ op: 'listTables' }, signal) as Promise<string[]>;
  }

  async createTable(
    name: string,
    columns: Readonly<Record<string, string>>,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.#call({ op: 'createTable', name, columns }, signal);
  }

  /**
   * Ends the database process: a running statement is stopped at once (its call fails), an idle process
   * closes its connections and exits, or is killed after a second.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#queue.splice(0)) this.#settle(pending, new ToolFailure(CLOSED));
    if (this.#running !== undefined) this.#stop(this.#running, new ToolFailure(CLOSED));
    await this.#last?.close();
  }

  #call(request: DatabaseRequest, signal: AbortSignal | undefined): Promise<unknown> {
    if (this.#closed) return Promise.reject(new ToolFailure(CLOSED));
    if (signal?.aborted) return Promise.reject(new ToolFailure(CANCELLED));
    return new Promise((resolve, reject) => {
      const pending: Pending = { request, signal, resolve, reject, onAbort: () => this.#cancel(pending) };
      signal?.addEventListener('abort', pending.onAbort, { once: true });
      this.#queue.push(pending);
      this.#pump();
    });
  }

  /** Sends the next queued request once nothing runs, starting a database process first if needed. */
  #pump(): void {
    if (this.#running !== undefined || this.#closed) return;
    const pending = this.#queue.shift();
    if (pending === undefined) return;
    const running: Running = { pending, id: ++this.#nextId, server: undefined, timer: undefined };
    this.#running = running;
    this.#ensureServer().then(
      (server) => {
        if (this.#running !== running) return;
        // Died between starting and this call (its exit found no statement to fail): this one fails instead.
        if (server.pid === undefined) return this.#finish(running, new ToolFailure(STOPPED_UNEXPECTEDLY));
        running.server = server;
        // Timed from here: waiting in the queue or for a process to start does not count.
        running.timer = setTimeout(() => this.#stop(running, this.#timeoutError()), this.#statementTimeoutMs);
        server.send(running.id, pending.request);
      },
      (error: unknown) => this.#finish(running, error),
    );
  }

  #timeoutError(): LimitExceededError {
    return new LimitExceededError(
      `statement stopped after ${this.#statementTimeoutMs} ms (statement_timeout_ms)`,
      { name: 'statement_timeout_ms', value: this.#statementTimeoutMs },
    );
  }

  #cancel(pending: Pending): void {
    const queued = this.#queue.indexOf(pending);
    if (queued !== -1) {
      this.#queue.splice(queued, 1);
      this.#settle(pending, new ToolFailure(CANCELLED));
    } else if (this.#running?.pending === pending) {
      this.#stop(this.#running, new ToolFailure(CANCELLED));
    }
  }

  /** Stops the running statement by killing its process; the call fails with `error` at once. */
  #stop(running: Running, error: Error): void {
    if (running.server !== undefined) this.#kill(running.server);
    this.#finish(running, error);
  }

  #finish(running: Running, outcome: unknown, ok = false): void {
    if (this.#running !== running) return;
    this.#running = undefined;
    clearTimeout(running.timer);
    this.#settle(running.pending, outcome, ok);
    this.#pump();
  }

  #settle(pending: Pending, outcome: unknown, ok = false): void {
    pending.signal?.removeEventListener('abort', pending.onAbort);
    if (ok) pending.resolve(outcome);
    else pending.reject(outcome);
  }

  #kill(server: ServerProcess): void {
    server.kill();
    this.#forget(server);
  }

  /** The next call starts a new process. */
  #forget(server: ServerProcess): void {
    if (this.#last === server) this.#server = undefined;
  }

  #ensureServer(): Promise<ServerProcess> {
    if (this.#server === undefined) {
      const starting = this.#launch();
      this.#server = starting;
      // A process that failed to start is not kept: the next call tries again.
      starting.catch(() => {
        if (this.#server === starting) this.#server = undefined;
      });
    }
    return this.#server;
  }

  async #launch(): Promise<ServerProcess> {
    // A stopped process may hold the file's locks for a moment after SIGKILL.
    const previous = this.#last;
    if (previous !== undefined) await Promise.race([previous.exited, delay(STOPPED_EXIT_WAIT_MS)]);
    if (this.#closed) throw new ToolFailure(CLOSED);
    const server: ServerProcess = await ServerProcess.spawn(this.#settings, {
      onReply: (message) => this.#onReply(server, message),
      onUnexpectedExit: (exit) => this.#onUnexpectedExit(server, exit),
      onMemoryUnlimited: (reason) => this.#noticeMemoryUnlimited(reason),
      onOverLimit: (bytes) =>
        this.#log.warn(
          { file: this.#settings.fileName, max_db_bytes: this.#settings.maxDbBytes, over_bytes: bytes },
          'sqlite database is larger than max_db_bytes; it can shrink but not grow',
        ),
      onError: (error) => this.#log.warn({ error: error.message }, 'sqlite database process channel error'),
    });
    this.#last = server;
    if (this.#closed) server.kill();
    await server.ready;
    return server;
  }

  #onReply(server: ServerProcess, message: Extract<ToProxy, { type: 'reply' }>): void {
    const running = this.#running;
    if (running?.server !== server || running.id !== message.id) return;
    if (message.ok) this.#finish(running, message.value, true);
    else this.#finish(running, fromWireError(message.error));
  }

  #onUnexpectedExit(server: ServerProcess, exit: ExitInfo): void {
    const running = this.#running?.server === server ? this.#running : undefined;
    this.#forget(server);
    this.#log.warn(
      {
        code: exit.code,
        signal: exit.signal,
        during_statement: running !== undefined,
        stderr: exit.stderr.slice(-1000) || undefined,
      },
      'sqlite database process exited unexpectedly',
    );
    if (running === undefined) return;
    // V8 reports its own out-of-memory on stderr; the kernel's OOM killer sends SIGKILL.
    const outOfMemory = exit.signal === 'SIGKILL' || /out of memory|allocation failed/i.test(exit.stderr);
    this.#finish(
      running,
      outOfMemory
        ? new LimitExceededError(
            `statement ran out of memory (max_memory_bytes ${this.#settings.maxMemoryBytes})`,
            { name: 'max_memory_bytes', value: this.#settings.maxMemoryBytes },
          )
        : new ToolFailure(STOPPED_UNEXPECTEDLY),
    );
  }

  #noticeMemoryUnlimited(reason: string): void {
    if (this.#memoryNoticeGiven) return;
    this.#memoryNoticeGiven = true;
    this.#log.warn({ reason }, 'sqlite max_memory_bytes is not enforced on this system');
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
