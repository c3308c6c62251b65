import { type ChildProcess, spawn } from 'node:child_process';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { LineFramer, type OversizeLine, oversizeResponseId } from '@scoped-mcp/core';
import { signalGroup, trackChild } from './child-registry.js';
import { guardedLaunch, missingProgram, spawnError } from './group-guard.js';

export interface StdioUpstreamOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** The child's whole environment (nothing is inherited). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** Largest message read from the child; a larger response fails its request (see OVERSIZE_ERROR_CODE). */
  readonly maxMessageBytes: number;
  /** One line the child wrote to stderr (already cut to a sane length). */
  onStderr?(line: string): void;
  /** A message that was too large and could not be matched to a request. */
  onDropped?(bytes: number): void;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** JSON-RPC error code of the synthetic error that replaces an over-large response. */
export const OVERSIZE_ERROR_CODE = -32_099;
const STDERR_LINE_CHARS = 2000;
/** How long a child gets to exit after its stdin closes, then after SIGTERM. */
const GRACE_MS = { eof: 100, term: 150 } as const;

/**
 * The SDK's stdio client transport, rebuilt for a proxy: the child leads its own process group (so a
 * wrapper such as npx and its children are stopped together) guarded so that the group dies with
 * scoped-mcp even when scoped-mcp is killed (group-guard.ts), close() finishes in ~250 ms instead of
 * ~4 s, messages are framed without quadratic copying and bounded in size, and the exit reason is kept.
 */
export class StdioUpstreamTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcess | undefined;
  private exited: Promise<ExitInfo> | undefined;
  private closing = false;
  private closed = false;
  private deliveredInChunk = false;
  private readonly queue: JSONRPCMessage[] = [];
  private draining = false;
  exitInfo: ExitInfo | undefined;
  /** Whether the child's process group is killed by its guard if scoped-mcp dies (see group-guard.ts). */
  guarded = false;

  constructor(private readonly options: StdioUpstreamOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('StdioUpstreamTransport already started');
    const { command, args, env, cwd } = this.options;
    const launch = guardedLaunch(command, args, env);
    this.guarded = launch.guardFd !== undefined;
    return new Promise((resolve, reject) => {
      const missing = this.guarded ? missingProgram(command, env.PATH, cwd) : undefined;
      if (missing) {
        reject(missing);
        this.finish();
        return;
      }
      const child = spawn(launch.file, [...launch.args], {
        env: { ...env },
        cwd,
        stdio: launch.guardFd === undefined ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', 'pipe'],
        detached: true,
        shell: false,
        windowsHide: true,
      });
      this.child = child;
      this.exited = new Promise((done) => {
        child.once('exit', (code, signal) => {
          this.exitInfo = { code, signal };
          // Members of its group (a wrapper's children) must not outlive it.
          signalGroup(child, 'SIGKILL');
          done(this.exitInfo);
        });
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        reject(this.guarded ? spawnError(command, error.code ?? 'EUNKNOWN') : error);
        this.finish();
      });
      // The guard's end of its pipe: never written; read only so that its EOF lets the child 'close'.
      const guardPipe = launch.guardFd === undefined ? undefined : child.stdio[launch.guardFd];
      guardPipe?.on('error', () => undefined);
      (guardPipe as NodeJS.ReadableStream | undefined)?.resume();
      child.once('spawn', () => {
        trackChild(child);
        resolve();
      });
      child.once('close', () => this.finish());
      const reader = new LineFramer(this.options.maxMessageBytes, {
        line: (bytes) => this.deliver(bytes),
        oversize: (line) => this.oversize(line),
      });
      child.stdout!.on('data', (chunk: Buffer) => {
        this.deliveredInChunk = false;
        reader.push(chunk);
      });
      child.stdout!.on('error', (error) => this.onerror?.(error));
      child.stdin!.on('error', (error) => {
        // EPIPE once the child is gone: the exit handler reports that.
        if (!this.closing) this.onerror?.(error);
      });
      this.readStderr(child);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.closed || stdin.writableEnded) return Promise.reject(new Error('Not connected'));
    return new Promise((resolve, reject) => {
      const ok = stdin.write(`${JSON.stringify(message)}\n`, (error) => {
        if (error) reject(error);
      });
      if (ok) resolve();
      else stdin.once('drain', resolve);
    });
  }

  /** stdin EOF, then SIGTERM to the group, then SIGKILL: a well-behaved server exits at the first step. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || this.closing) return;
    this.closing = true;
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.stdin?.end();
      } catch {
        // already closed
      }
      const exited = this.exited!;
      if (!(await settlesWithin(exited, GRACE_MS.eof))) {
        signalGroup(child, 'SIGTERM');
        if (!(await settlesWithin(exited, GRACE_MS.term))) signalGroup(child, 'SIGKILL');
      }
    } else {
      signalGroup(child, 'SIGKILL');
    }
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }

  private deliver(bytes: Buffer): void {
    let message: unknown;
    try {
      message = JSON.parse(bytes.toString('utf8'));
    } catch {
      this.onerror?.(new Error(`upstream wrote a line that is not JSON (${bytes.length} bytes)`));
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      this.onerror?.(new Error('upstream wrote a JSON value that is not a JSON-RPC message'));
      return;
    }
    this.enqueue(message as JSONRPCMessage);
  }

  /**
   * The SDK runs notification handlers a microtask later but settles responses at once, so a progress
   * notification followed by its result in the same chunk would find its handler already gone. The first
   * message of a chunk is delivered at once, each further one a microtask after the previous.
   */
  private enqueue(message: JSONRPCMessage): void {
    if (!this.deliveredInChunk && this.queue.length === 0) {
      this.deliveredInChunk = true;
      this.onmessage?.(message);
      return;
    }
    this.queue.push(message);
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(this.drain);
    }
  }

  private readonly drain = (): void => {
    const message = this.queue.shift();
    if (message !== undefined) this.onmessage?.(message);
    if (this.queue.length > 0) queueMicrotask(this.drain);
    else this.draining = false;
  };

  private oversize(line: OversizeLine): void {
    const id = oversizeResponseId(line);
    if (id === undefined) {
      this.options.onDropped?.(line.bytes);
      return;
    }
    this.enqueue({
      jsonrpc: '2.0',
      id,
      error: {
        code: OVERSIZE_ERROR_CODE,
        message: 'response too large',
        data: { bytes: line.bytes, limit: this.options.maxMessageBytes },
      },
    });
  }

  private readStderr(child: ChildProcess): void {
    const onStderr = this.options.onStderr;
    const stderr = child.stderr!;
    if (!onStderr) {
      stderr.resume();
      return;
    }
    let partial = '';
    stderr.setEncoding('utf8');
    stderr.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = (lines.pop() ?? '').slice(-STDERR_LINE_CHARS);
      for (const line of lines) {
        const trimmed = line.trimEnd();
        if (trimmed) onStderr(trimmed.slice(0, STDERR_LINE_CHARS));
      }
    });
    stderr.on('end', () => {
      if (partial.trim()) onStderr(partial.trim());
    });
  }
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
