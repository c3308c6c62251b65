import { ToolFailure } from '../errors/errors.js';

/** MCP logging levels (RFC 5424 names, as the protocol uses them). */
export type LogLevel = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical' | 'alert' | 'emergency';

export interface ClientRequestOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

/**
 * The agent's MCP client, as seen from a module: what it can do and how to reach it. Core owns the SDK;
 * modules only see this. Outside a connected session every method rejects or is a no-op.
 */
export interface SessionChannel {
  /** Resolves once the client has initialised, with its declared capabilities (`sampling`, `roots`, …). */
  clientReady(): Promise<Readonly<Record<string, unknown>>>;
  /** Capabilities the client declared, or undefined before it initialised. */
  clientCapabilities(): Readonly<Record<string, unknown>> | undefined;
  /** A server→client request (`sampling/createMessage`, `elicitation/create`, `roots/list`, …). */
  request(
    method: string,
    params: Readonly<Record<string, unknown>> | undefined,
    options?: ClientRequestOptions,
  ): Promise<Record<string, unknown>>;
  /** A logging notification to the client (dropped below the level the client set). */
  log(level: LogLevel, data: unknown, logger?: string): Promise<void>;
  /** Tells core this instance's dynamic tool set changed: it re-reads it and tells the client. */
  toolsChanged(): void;
}

/** Per call: the session plus this request's progress token and `_meta`. */
export interface CallChannel extends SessionChannel {
  readonly progressToken?: string | number;
  readonly meta?: Readonly<Record<string, unknown>>;
  /** A progress notification for this call; a no-op when the client did not ask for progress. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
}

/** A session with no client behind it (tests, `validate`): requests fail, notifications go nowhere. */
export function detachedSession(capabilities: Readonly<Record<string, unknown>> = {}): SessionChannel {
  return {
    clientReady: () => Promise.resolve(capabilities),
    clientCapabilities: () => capabilities,
    request: (method) =>
      Promise.reject(new ToolFailure(`the client cannot answer '${method}': no client is connected`)),
    log: () => Promise.resolve(),
    toolsChanged: () => undefined,
  };
}

/** A call channel over a session, for calls that carry no progress token. */
export function callChannel(
  session: SessionChannel,
  extras: Partial<Pick<CallChannel, 'progressToken' | 'meta' | 'progress'>> = {},
): CallChannel {
  return {
    clientReady: () => session.clientReady(),
    clientCapabilities: () => session.clientCapabilities(),
    request: (method, params, options) => session.request(method, params, options),
    log: (level, data, logger) => session.log(level, data, logger),
    toolsChanged: () => session.toolsChanged(),
    progress: extras.progress ?? (() => Promise.resolve()),
    ...(extras.progressToken !== undefined ? { progressToken: extras.progressToken } : {}),
    ...(extras.meta !== undefined ? { meta: extras.meta } : {}),
  };
}
