import process from 'node:process';
import { pipeline, type Readable, type Writable } from 'node:stream';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListRootsResultSchema,
  ListToolsRequestSchema,
  type LoggingLevel,
  type RequestId,
  ResultSchema,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import { errorMeta } from '../errors/error-meta.js';
import { MessageTooLargeError, ToolFailure } from '../errors/errors.js';
import type {
  CallChannel,
  ClientRequestOptions,
  LogLevel,
  SessionChannel,
} from '../module/client-channel.js';
import { lineFramerStage, type OversizeLine } from '../shared/line-framer.js';
import { type OversizeKind, readOversizeMessage } from '../shared/oversize-id.js';
import type { CallsInFlight } from './calls-in-flight.js';
import type { ScopedRuntime } from './scoped-runtime.js';

// The MCP server and the agent's client behind it: the only file of core that imports the SDK's server side.
export type { Server };

export interface ServerInfo {
  readonly name: string;
  readonly version: string;
  readonly instructions?: string;
}

/**
 * The SDK's low-level server over the runtime: list returns the prebuilt table, call is one map lookup.
 * Requests that arrive while modules are still starting wait for startup to finish. The SDK validates
 * each request, checks and normalises each result against `CallToolResultSchema` (so a malformed result
 * from an upstream behind mcp_proxy never reaches the agent), aborts a call's signal on
 * `notifications/cancelled` or when the connection closes, and writes the answers. Each call takes a
 * slot of `calls` first (its transport must be `calls.watch`ed), or waits for one, or is refused.
 */
export function createMcpServer(
  runtime: ScopedRuntime,
  bridge: ClientBridge,
  info: ServerInfo,
  calls: CallsInFlight,
): Server {
  const server = new Server(
    { name: info.name, version: info.version },
    {
      capabilities: { tools: { listChanged: true }, logging: {} },
      ...(info.instructions ? { instructions: info.instructions } : {}),
    },
  );
  bridge.attach(server);
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    await runtime.whenStarted();
    return { tools: runtime.list() as never[] };
  });
  // The one way into a tool from the agent: the call's abort signal and its client channel are wired here.
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const slot = calls.admit(extra.requestId, extra.signal);
    if (!slot) return runtime.refuse(request.params.name, calls.busy());
    try {
      await slot.ready;
      await runtime.whenStarted();
      return await runtime.call(request.params.name, request.params.arguments, {
        signal: extra.signal,
        client: bridge.forCall(extra),
      });
    } finally {
      slot.finished();
    }
  });
  runtime.onToolsChanged(() => {
    void server.sendToolListChanged().catch(() => undefined);
  });
  return server;
}

/** Result schemas the SDK validates server→client answers with; anything else passes as a generic result. */
const RESULT_SCHEMAS = {
  'sampling/createMessage': CreateMessageResultSchema,
  'elicitation/create': ElicitResultSchema,
  'roots/list': ListRootsResultSchema,
} as const;

/** What the SDK hands a request handler; a call's channel uses its signal, meta and notification sender. */
export type RequestExtras = Pick<
  RequestHandlerExtra<ServerRequest, ServerNotification>,
  'signal' | '_meta' | 'sendNotification'
>;

/**
 * The agent's client as modules see it, over the SDK server. Modules start before the client has
 * initialised (so tools are ready sooner); `clientReady()` lets a proxy wait for the client's capabilities
 * before it connects an upstream, so the upstream is offered only what the agent's client can do.
 */
export class ClientBridge implements SessionChannel {
  private server: Server | undefined;
  private capabilities: Readonly<Record<string, unknown>> | undefined;
  private readonly ready: Promise<Readonly<Record<string, unknown>>>;
  private resolveReady: (capabilities: Readonly<Record<string, unknown>>) => void = () => undefined;

  constructor() {
    this.ready = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
  }

  attach(server: Server): void {
    this.server = server;
    const previous = server.oninitialized;
    server.oninitialized = () => {
      this.capabilities = (server.getClientCapabilities() ?? {}) as Record<string, unknown>;
      this.resolveReady(this.capabilities);
      previous?.();
    };
  }

  clientReady(): Promise<Readonly<Record<string, unknown>>> {
    return this.ready;
  }

  clientCapabilities(): Readonly<Record<string, unknown>> | undefined {
    return this.capabilities;
  }

  async request(
    method: string,
    params: Readonly<Record<string, unknown>> | undefined,
    options?: ClientRequestOptions,
  ): Promise<Record<string, unknown>> {
    const server = this.server;
    if (!server) throw new ToolFailure(`the client cannot answer '${method}': no client is connected`);
    const schema = RESULT_SCHEMAS[method as keyof typeof RESULT_SCHEMAS] ?? ResultSchema;
    return (await server.request({ method, params: params as Record<string, unknown> } as never, schema, {
      ...(options?.signal ? { signal: options.signal } : {}),
      ...(options?.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    })) as Record<string, unknown>;
  }

  async log(level: LogLevel, data: unknown, logger?: string): Promise<void> {
    await this.server
      ?.sendLoggingMessage({ level: level as LoggingLevel, data, ...(logger ? { logger } : {}) })
      .catch(() => undefined);
  }

  toolsChanged(): void {
    // Per-instance sessions override this; the runtime rebuilds its table and then notifies the client.
  }

  /** The channel of one call: the session plus its progress token. */
  forCall(extra: RequestExtras): CallChannel {
    const meta = extra._meta;
    const token = meta?.progressToken;
    return {
      clientReady: () => this.clientReady(),
      clientCapabilities: () => this.clientCapabilities(),
      request: (method, params, options) =>
        this.request(method, params, { signal: extra.signal, ...options }),
      log: (level, data, logger) => this.log(level, data, logger),
      toolsChanged: () => undefined,
      ...(meta !== undefined ? { meta } : {}),
      ...(token !== undefined ? { progressToken: token } : {}),
      progress: (progress, total, message) =>
        token === undefined
          ? Promise.resolve()
          : extra
              .sendNotification({
                method: 'notifications/progress',
                params: {
                  progressToken: token,
                  progress,
                  ...(total !== undefined ? { total } : {}),
                  ...(message !== undefined ? { message } : {}),
                },
              })
              .catch(() => undefined),
    };
  }
}

export interface StdioServingOptions {
  /** Default `process.stdin`. */
  readonly input?: Readable;
  /** Default `process.stdout`. */
  readonly output?: Writable;
  /** Longest message read from the client, in bytes; default the SDK's limit (10 MiB). */
  readonly maxMessageBytes?: number;
  /**
   * A message over the limit was dropped (the ones after it are read as usual); `answered` tells whether
   * it was a request, and was answered with a JSON-RPC error.
   */
  readonly onOversize?: (line: OversizeLine, limit: number, answered: OversizeAnswer) => void;
  /**
   * Writing to the client failed (EPIPE once it is gone, ENOBUFS, …). Default: the transport closes.
   * Called for each failed write; nothing more reaches the client after the first.
   */
  readonly onWriteError?: (error: NodeJS.ErrnoException) => void;
}

/** What became of an over-long message. */
export interface OversizeAnswer {
  readonly kind: OversizeKind;
  /** A request (or a line that cannot be told apart from one) got a JSON-RPC error. */
  readonly answered: boolean;
}

export interface StdioServing {
  readonly transport: Transport;
  /** The framed input the transport reads: it ends (and closes) when the client's input does. */
  readonly input: Readable;
}

/**
 * The SDK's stdio server transport, reading through core's line framer: the framer hands over one
 * complete line at a time, within the limit, so an over-long message is dropped and reported instead of
 * overflowing the SDK's read buffer, which would close the connection. A dropped request is answered
 * with a JSON-RPC error (Invalid Request, `SMCP_MESSAGE_TOO_LARGE` in its data) under its id when the
 * line's first or last bytes show it, else under `null`, so the client never waits for an answer that
 * cannot come. Write errors on the output are caught (an unhandled one would end the process).
 *
 * The client's input is not read while more than the message limit of answers waits in the output's
 * buffer. Calls in flight are bounded (`CallsInFlight`), but the answers to calls refused at once, to
 * oversize requests and the notifications are not: a client that keeps writing and never reads would
 * otherwise grow that buffer without end. It reads again once the output has drained.
 */
export function stdioServerTransport(options: StdioServingOptions = {}): StdioServing {
  const limit = options.maxMessageBytes ?? STDIO_DEFAULT_MAX_BUFFER_SIZE;
  const output = options.output ?? process.stdout;
  let transport: StdioServerTransport | undefined;
  const input = lineFramerStage({
    maxLineBytes: limit,
    holdInput: () => (output.writableLength > limit && !output.destroyed ? drained(output) : undefined),
    onOversize: (line) => {
      const message = readOversizeMessage(line);
      // A response or a notification expects no answer; a line that is neither shown nor ruled out as a
      // request gets one under the null id, as JSON-RPC answers a request whose id cannot be read.
      const answered = message.kind === 'request' || message.kind === 'unknown';
      if (answered) {
        const refusal = new MessageTooLargeError(line.bytes, limit);
        void transport
          ?.send({
            jsonrpc: '2.0',
            id: (message.id ?? null) as RequestId,
            error: {
              code: MessageTooLargeError.JSONRPC_CODE,
              message: refusal.message,
              data: errorMeta(refusal),
            },
          })
          .catch(() => undefined);
      }
      options.onOversize?.(line, limit, { kind: message.kind, answered });
    },
  });
  // A failing or closed client input destroys the stage too, and the lifecycle sees it close.
  pipeline(options.input ?? process.stdin, input, () => undefined);
  // The SDK's transport waits for `drain` with one listener per pending write: one per answer, refusals
  // included. They are bounded (see above) but can outnumber the leak warning's default of 10.
  output.setMaxListeners(0);
  // A line arrives with its newline: the SDK's buffer holds at most that, so its own limit never trips.
  const stdio = new StdioServerTransport(input, output, { maxBufferSize: limit + 1 });
  transport = stdio;
  output.on('error', (error: NodeJS.ErrnoException) => {
    if (options.onWriteError) options.onWriteError(error);
    else void stdio.close();
  });
  return { transport: stdio, input };
}

/** Settles when the output has drained, or can no longer be written (then nothing waits for it). */
function drained(output: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      output.off('drain', done);
      output.off('close', done);
      output.off('error', done);
      resolve();
    };
    output.on('drain', done);
    output.on('close', done);
    output.on('error', done);
  });
}
