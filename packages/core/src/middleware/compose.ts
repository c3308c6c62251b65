import type { AgentIdentity } from '../identity/agent-identity.js';
import type { CallChannel } from '../module/client-channel.js';
import type { ToolMode, ToolOutput } from '../module/types.js';

/** One tool call as middleware sees it. `args` are the parsed arguments; treat them as read-only. */
export interface ToolCall {
  /** Exposed tool name, e.g. `filesystem_read_file`. */
  readonly tool: string;
  /** Manifest key of the module instance that owns the tool. */
  readonly instance: string;
  readonly mode: ToolMode;
  readonly args: Readonly<Record<string, unknown>>;
  readonly agent: AgentIdentity;
  readonly signal: AbortSignal;
  /** The call's link to the agent's client (progress, server→client requests). */
  readonly client: CallChannel;
}

/** `(call, next) => result`; call `next()` at most once. Throw a ScopedMcpError to refuse the call. */
export type Middleware = (call: ToolCall, next: () => Promise<ToolOutput>) => Promise<ToolOutput>;

export type CallHandler = (call: ToolCall) => Promise<ToolOutput>;

/**
 * Builds one closure per tool at startup: middleware[0] is the outermost. `next` may run once per call;
 * a second call is a programming error in the middleware and is refused rather than running the tool twice.
 */
export function composeMiddleware(middleware: readonly Middleware[], handler: CallHandler): CallHandler {
  return middleware.reduceRight<CallHandler>((inner, layer) => {
    return (call: ToolCall) => {
      let called = false;
      return layer(call, () => {
        if (called) return Promise.reject(new Error('middleware called next() twice'));
        called = true;
        return inner(call);
      });
    };
  }, handler);
}
