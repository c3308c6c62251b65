import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CreateMessageResultSchema,
  ElicitResultSchema,
  ListRootsResultSchema,
  type LoggingLevel,
  ResultSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { ToolFailure } from '../errors/scoped-mcp-error.js';
import type {
  CallChannel,
  ClientRequestOptions,
  LogLevel,
  SessionChannel,
} from '../module/client-channel.js';

/** Result schemas the SDK validates server→client answers with; anything else passes as a generic result. */
const RESULT_SCHEMAS = {
  'sampling/createMessage': CreateMessageResultSchema,
  'elicitation/create': ElicitResultSchema,
  'roots/list': ListRootsResultSchema,
} as const;

/** What the SDK hands a request handler (the subset used to reach the client during one call). */
export interface RequestExtras {
  readonly signal: AbortSignal;
  readonly _meta?: Readonly<Record<string, unknown>>;
  sendNotification(notification: { method: string; params?: Record<string, unknown> }): Promise<void>;
}

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
    const token = meta?.progressToken as string | number | undefined;
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
