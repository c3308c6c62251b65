import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type CallToolResult,
  CallToolResultSchema,
  McpError,
  RELATED_TASK_META_KEY,
  type RequestId,
  ErrorCode as RpcErrorCode,
} from '@modelcontextprotocol/sdk/types.js';
import type { ClientBridge } from './client-bridge.js';
import type { ScopedRuntime } from './scoped-runtime.js';

const ENVELOPE_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const PARAM_KEYS = new Set(['name', 'arguments', '_meta']);

interface ToolCallRequest {
  readonly id: RequestId;
  readonly name: string;
  readonly args: Record<string, unknown> | undefined;
  readonly meta: Record<string, unknown> | undefined;
}

export interface FastToolCalls {
  /** For `StdioTransport`'s `intercept`: claims plain `tools/call` requests once startup is over. */
  intercept(message: unknown): boolean;
  /** Aborts the calls still running (the transport closed), as the SDK does for its own handlers. */
  closed(): void;
}

/**
 * `tools/call` without the SDK's per-message machinery. The SDK checks every request against zod schemas
 * three times (the message union, the message-kind checks, `CallToolRequestSchema`) and passes it through
 * several promise hops before scoped-mcp's pipeline sees it: about half of a trivial call's time in the
 * server. Here a plain request is recognised by hand, with the same acceptance rules (`jsonrpc` "2.0", a
 * string or integer id, a string name, arguments an object, a string or integer progress token, no
 * unknown envelope or params keys), and goes straight to `runtime.call`; the tool's own input schema, the
 * guardrails and the audit line still run inside, and the result is checked and normalised by
 * `CallToolResultSchema` as the SDK does. Anything unusual — a task-related or task-augmented request, a
 * request before startup is over, a malformed one — is declined and takes the SDK's way, so its errors stay
 * the SDK's. Answers, cancellation and progress notifications are the SDK's, byte for byte.
 */
export function fastToolCalls(
  server: Server,
  runtime: ScopedRuntime,
  bridge: ClientBridge,
  send: Transport['send'],
): FastToolCalls {
  const running = new Map<RequestId, AbortController>();

  function run(request: ToolCallRequest): void {
    const controller = new AbortController();
    running.set(request.id, controller);
    const { signal } = controller;
    const extra = {
      signal,
      ...(request.meta !== undefined ? { _meta: request.meta } : {}),
      sendNotification: async (notification: { method: string; params?: Record<string, unknown> }) => {
        if (signal.aborted) return;
        await server.notification(notification as never, { relatedRequestId: request.id });
      },
    };
    runtime
      .call(request.name, request.args, { signal, client: bridge.forCall(extra) })
      .then(checkedResult)
      .then(
        (result) => (signal.aborted ? undefined : send({ result, jsonrpc: '2.0', id: request.id })),
        (error: unknown) => (signal.aborted ? undefined : send(errorResponse(request.id, error))),
      )
      .catch((error: unknown) => server.onerror?.(error as Error))
      .finally(() => {
        if (running.get(request.id) === controller) running.delete(request.id);
      });
  }

  return {
    intercept(message) {
      if (!runtime.started) return false;
      const request = plainToolCall(message);
      if (request === undefined) {
        cancelIfOurs(message, running);
        return false;
      }
      run(request);
      return true;
    },
    closed() {
      for (const controller of running.values()) controller.abort();
      running.clear();
    },
  };
}

/**
 * The result as the SDK's server sends it: checked against `CallToolResultSchema` and normalised by it
 * (unknown keys of content blocks dropped, a missing content list defaulted). A proxied upstream's result is
 * passed through by mcp_proxy, so this check is what keeps a malformed one from reaching the agent.
 */
function checkedResult(result: CallToolResult): CallToolResult {
  const checked = CallToolResultSchema.safeParse(result);
  if (!checked.success) {
    throw new McpError(RpcErrorCode.InvalidParams, `Invalid tools/call result: ${checked.error.message}`);
  }
  return checked.data;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isIdOrToken(value: unknown): value is string | number {
  return typeof value === 'string' || Number.isInteger(value);
}

function onlyKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>): boolean {
  for (const key in value) if (!allowed.has(key)) return false;
  return true;
}

/** The request, when `message` is a `tools/call` the SDK would accept and nothing about it is unusual. */
function plainToolCall(message: unknown): ToolCallRequest | undefined {
  if (!isRecord(message) || message.method !== 'tools/call' || message.jsonrpc !== '2.0') return undefined;
  const { id, params } = message;
  if (!isIdOrToken(id) || !isRecord(params) || !onlyKeys(message, ENVELOPE_KEYS)) return undefined;
  if (!onlyKeys(params, PARAM_KEYS) || typeof params.name !== 'string') return undefined;
  const args = params.arguments;
  if (args !== undefined && !isRecord(args)) return undefined;
  const meta = params._meta;
  if (meta !== undefined) {
    // Task-related requests take the SDK's way, which knows about tasks.
    if (!isRecord(meta) || RELATED_TASK_META_KEY in meta) return undefined;
    if (meta.progressToken !== undefined && !isIdOrToken(meta.progressToken)) return undefined;
  }
  return { id, name: params.name, args, meta };
}

/** A cancellation of one of our calls aborts it; the SDK sees the notification too and ignores the id. */
function cancelIfOurs(message: unknown, running: Map<RequestId, AbortController>): void {
  if (!isRecord(message) || message.method !== 'notifications/cancelled' || message.jsonrpc !== '2.0') return;
  if (!isRecord(message.params)) return;
  const { requestId, reason } = message.params;
  if (!isIdOrToken(requestId)) return;
  running.get(requestId)?.abort(typeof reason === 'string' ? reason : undefined);
}

/** The error answer the SDK gives for a handler that threw. */
function errorResponse(id: RequestId, error: unknown) {
  const { code, message, data } = (error ?? {}) as { code?: unknown; message?: unknown; data?: unknown };
  return {
    jsonrpc: '2.0' as const,
    id,
    error: {
      code: Number.isSafeInteger(code) ? (code as number) : RpcErrorCode.InternalError,
      message: typeof message === 'string' ? message : 'Internal error',
      ...(data !== undefined ? { data } : {}),
    },
  };
}
