import process from 'node:process';
import { STDIO_DEFAULT_MAX_BUFFER_SIZE, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';

/** Sees each message as JSON.parse returned it, before the SDK validates it; true = handled, do not pass on. */
export type MessageInterceptor = (message: unknown) => boolean;

export interface StdioTransportOptions {
  /** Consulted first for every message; anything it declines goes the SDK's way. */
  readonly intercept?: MessageInterceptor;
  /** Called when the transport closes (after the last message). */
  readonly onClosed?: () => void;
  readonly maxBufferSize?: number;
}

const NEWLINE = 0x0a;

/**
 * The SDK's stdio server transport with one door added: a message an interceptor claims skips the SDK's
 * schema validation and dispatch. Everything else behaves as `StdioServerTransport` does — newline-framed
 * JSON, a trailing `\r` dropped, the SDK's buffer limit, each message validated by `JSONRPCMessageSchema`,
 * a bad line reported to `onerror` without ending the stream, writes that wait for `drain`.
 */
export class StdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private started = false;
  private pending: Buffer | undefined;
  private readonly maxBufferSize: number;

  constructor(
    private readonly options: StdioTransportOptions = {},
    private readonly stdin: NodeJS.ReadableStream = process.stdin,
    private readonly stdout: NodeJS.WritableStream = process.stdout,
  ) {
    this.maxBufferSize = options.maxBufferSize ?? STDIO_DEFAULT_MAX_BUFFER_SIZE;
  }

  private readonly ondata = (chunk: Buffer) => {
    try {
      const size = (this.pending?.length ?? 0) + chunk.length;
      if (size > this.maxBufferSize) {
        this.pending = undefined;
        throw new Error(`ReadBuffer exceeded maximum size of ${this.maxBufferSize} bytes`);
      }
      this.pending = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
      this.drainLines();
    } catch (error) {
      this.onerror?.(error as Error);
      this.close().catch(() => undefined);
    }
  };

  private readonly onstreamerror = (error: Error) => {
    this.onerror?.(error);
  };

  async start(): Promise<void> {
    if (this.started) throw new Error('StdioTransport already started');
    this.started = true;
    this.stdin.on('data', this.ondata);
    this.stdin.on('error', this.onstreamerror);
  }

  private drainLines(): void {
    // Re-read `pending` each turn: a message can close the transport, which ends the loop as the SDK's does.
    while (this.pending) {
      const buffer = this.pending;
      const end = buffer.indexOf(NEWLINE);
      if (end === -1) return;
      const cut = end > 0 && buffer[end - 1] === 0x0d ? end - 1 : end;
      this.pending = end + 1 < buffer.length ? buffer.subarray(end + 1) : undefined;
      this.dispatch(buffer.toString('utf8', 0, cut));
    }
  }

  private dispatch(line: string): void {
    try {
      const raw: unknown = JSON.parse(line);
      if (this.options.intercept?.(raw)) return;
      this.onmessage?.(JSONRPCMessageSchema.parse(raw));
    } catch (error) {
      this.onerror?.(error as Error);
    }
  }

  async close(): Promise<void> {
    this.stdin.off('data', this.ondata);
    this.stdin.off('error', this.onstreamerror);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.pending = undefined;
    this.options.onClosed?.();
    this.onclose?.();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(serializeMessage(message))) resolve();
      else this.stdout.once('drain', resolve);
    });
  }
}
