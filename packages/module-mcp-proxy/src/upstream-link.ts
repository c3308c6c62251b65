import type { SessionChannel } from '@scoped-mcp/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type ClientCapabilities,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { type ExitInfo, StdioUpstreamTransport } from './stdio-transport.js';
import { CLIENT_INFO } from './version.js';

export type UpstreamTarget =
  | {
      readonly kind: 'stdio';
      readonly command: string;
      readonly args: readonly string[];
      readonly env: Readonly<Record<string, string>>;
      readonly cwd: string;
      readonly maxMessageBytes: number;
      onStderr?(line: string): void;
      onDropped?(bytes: number): void;
    }
  | {
      readonly kind: 'http';
      readonly url: URL;
      readonly headers: Readonly<Record<string, string>>;
    };

export type LinkKind = 'stdio' | 'http' | 'sse';

export interface RootsAnswer {
  readonly mode: 'client' | 'scoped' | 'none';
  /** For `scoped`: the one root the upstream is told about. */
  readonly root?: { readonly uri: string; readonly name: string };
}

export interface LinkHooks {
  /**
   * The agent's client: where the upstream's sampling, elicitation, roots and logs go. Core's outbound
   * policy redacts and filters everything relayed through it (the instance's declared secrets included).
   */
  readonly session: SessionChannel;
  readonly roots: RootsAnswer;
  /** Bound for one server→client request relayed to the agent's client. */
  readonly relayTimeoutMs: number;
  /** Instance key: the logger name of relayed log messages. */
  readonly instance: string;
  onToolsChanged(): void;
  /** The connection ended without close() (the child exited, the SSE stream died). */
  onLost(): void;
  onError(error: Error): void;
}

/** One live connection to an upstream: a fresh SDK Client over a fresh transport. */
export interface UpstreamLink {
  readonly client: Client;
  readonly kind: LinkKind;
  readonly pid: number | undefined;
  /** stdio: whether the child's process group dies with scoped-mcp (group-guard.ts); undefined for HTTP. */
  readonly guarded: boolean | undefined;
  exitInfo(): ExitInfo | undefined;
  /** Fast and idempotent: HTTP sessions are ended (DELETE) first, stdio children stopped within ~250 ms. */
  close(): Promise<void>;
}

/** The SDK client validates structuredContent itself when asked to; a proxy passes it through untouched. */
const NO_OUTPUT_VALIDATION: jsonSchemaValidator = {
  getValidator: () => (input) => ({ valid: true, data: input as never, errorMessage: undefined }),
};

const TERMINATE_TIMEOUT_MS = 500;

/**
 * What the upstream is told this client can do: only what the agent's client can do (a proxy that claimed
 * sampling for a client without it would accept requests it cannot answer), plus roots when the proxy
 * answers roots itself.
 */
export function upstreamCapabilities(
  agent: Readonly<Record<string, unknown>>,
  roots: RootsAnswer['mode'],
): ClientCapabilities {
  const capabilities: Record<string, unknown> = {};
  if (isObject(agent.sampling)) capabilities.sampling = agent.sampling;
  if (isObject(agent.elicitation)) capabilities.elicitation = agent.elicitation;
  // listChanged is not offered: the agent's roots/list_changed does not reach modules.
  if (roots === 'scoped' || (roots === 'client' && isObject(agent.roots))) capabilities.roots = {};
  return capabilities as ClientCapabilities;
}

export async function openLink(
  target: UpstreamTarget,
  capabilities: ClientCapabilities,
  hooks: LinkHooks,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<UpstreamLink> {
  if (target.kind === 'stdio') {
    const transport = new StdioUpstreamTransport(target);
    return connect(transport, 'stdio', capabilities, hooks, timeoutMs, signal);
  }
  const streamable = new StreamableHTTPClientTransport(target.url, {
    requestInit: { headers: { ...target.headers } },
  });
  try {
    return await connect(streamable, 'http', capabilities, hooks, timeoutMs, signal);
  } catch (error) {
    // The 2024-11-05 HTTP+SSE transport answers the streamable POST with 400/404/405: only then fall back.
    if (!(error instanceof StreamableHTTPError) || ![400, 404, 405].includes(error.code ?? 0)) throw error;
  }
  const sse = new SSEClientTransport(target.url, { requestInit: { headers: { ...target.headers } } });
  return connect(sse, 'sse', capabilities, hooks, timeoutMs, signal);
}

async function connect(
  transport: Transport,
  kind: LinkKind,
  capabilities: ClientCapabilities,
  hooks: LinkHooks,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<UpstreamLink> {
  signal.throwIfAborted();
  const client = new Client(CLIENT_INFO, { capabilities, jsonSchemaValidator: NO_OUTPUT_VALIDATION });
  installHandlers(client, capabilities, hooks);
  let closing: Promise<void> | undefined;
  const link: UpstreamLink = {
    client,
    kind,
    pid: undefined,
    guarded: undefined,
    exitInfo: () => (transport instanceof StdioUpstreamTransport ? transport.exitInfo : undefined),
    close() {
      closing ??= closeLink(client, transport);
      return closing;
    },
  };
  client.onclose = () => {
    if (!closing) hooks.onLost();
  };
  client.onerror = (error) => hooks.onError(error);
  // Stopping (or the discovery deadline) must not wait for a pending initialize to time out.
  const onAbort = () => void link.close();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect(transport, { timeout: timeoutMs });
  } catch (error) {
    await link.close();
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return transport instanceof StdioUpstreamTransport
    ? { ...link, pid: transport.pid, guarded: transport.guarded }
    : link;
}

async function closeLink(client: Client, transport: Transport): Promise<void> {
  if (transport instanceof StreamableHTTPClientTransport && transport.sessionId !== undefined) {
    // close() alone leaves the session (and its state) alive on the server; DELETE ends it.
    await withTimeout(transport.terminateSession(), TERMINATE_TIMEOUT_MS).catch(() => undefined);
  }
  await client.close().catch(() => undefined);
}

function installHandlers(client: Client, capabilities: ClientCapabilities, hooks: LinkHooks): void {
  const { session, relayTimeoutMs } = hooks;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => hooks.onToolsChanged());
  client.setNotificationHandler(LoggingMessageNotificationSchema, async ({ params }) => {
    const logger = params.logger ? `${hooks.instance}/${params.logger}` : hooks.instance;
    await session.log(params.level, params.data, logger);
  });
  const relay = (method: string) => async (request: { params?: unknown }, extra: { signal: AbortSignal }) =>
    (await session.request(method, request.params as Record<string, unknown> | undefined, {
      signal: extra.signal,
      timeoutMs: relayTimeoutMs,
    })) as never;
  if (capabilities.sampling) {
    client.setRequestHandler(CreateMessageRequestSchema, relay('sampling/createMessage'));
  }
  if (capabilities.elicitation) {
    client.setRequestHandler(ElicitRequestSchema, relay('elicitation/create'));
  }
  if (capabilities.roots) {
    const { root } = hooks.roots;
    client.setRequestHandler(
      ListRootsRequestSchema,
      root ? () => ({ roots: [{ uri: root.uri, name: root.name }] }) : relay('roots/list'),
    );
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
