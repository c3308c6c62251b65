import {
  type CallChannel,
  LimitExceededError,
  type ModuleLogger,
  type RawToolResult,
  rawResult,
  type ToolContext,
  ToolFailure,
  ToolInputError,
  UpstreamError,
} from '@scoped-mcp/core';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ErrorCode, McpError, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { ArgumentCheckOverBudget, compileArgumentCheck } from './arg-validator.js';
import type { McpProxyConfig } from './config.js';
import { type JsonObject, passthroughObject } from './passthrough.js';
import { exceedsJsonBytes } from './result-size.js';
import { OVERSIZE_ERROR_CODE } from './stdio-transport.js';
import type { CatalogEntry, ToolCatalog } from './tool-catalog.js';
import type { Upstream } from './upstream.js';
import type { UpstreamLink } from './upstream-link.js';

export interface CallSettings {
  readonly instance: string;
  readonly callTimeoutMs: number;
  readonly maxResponseBytes: number;
  /** argument_check_ms: the most one argument check (or the schema's compilation) may take. */
  readonly argumentCheckMs: number;
  readonly log: ModuleLogger;
}

type CallContext = ToolContext<McpProxyConfig, unknown>;

/**
 * One proxied tools/call: the agent's arguments checked against the upstream's schema, forwarded
 * unchanged (with the agent's `_meta`), progress relayed under the agent's token, cancellation passed on
 * through the signal, and the upstream's result returned exactly as it came.
 */
export async function callUpstreamTool(
  upstream: Upstream,
  catalog: ToolCatalog,
  key: string,
  args: JsonObject,
  ctx: CallContext,
  settings: CallSettings,
): Promise<RawToolResult> {
  const entry = catalog.get(key);
  if (!entry) {
    throw new ToolFailure(
      `'${settings.instance}_${key}' is not offered by its upstream any more; call tools/list`,
    );
  }
  const exposed = entry.exposedName;
  const link = upstream.link;
  if (upstream.phase !== 'ready' || link === undefined) throw unavailable(upstream, exposed);
  const problem = checkArguments(entry, args, settings);
  if (problem !== undefined) throw new ToolInputError(`Invalid arguments for '${exposed}': ${problem}`);

  // Defensive: a core that does not hand the call channel to handlers yet means "no progress, no _meta".
  const channel = ctx.client as CallChannel | undefined;
  const token = channel?.progressToken;
  const params: { name: string; arguments: JsonObject; _meta?: JsonObject } = {
    name: entry.upstreamName,
    arguments: args,
  };
  const meta = channel?.meta === undefined ? undefined : forwardedMeta(channel.meta);
  if (meta !== undefined) params._meta = meta;
  const options: RequestOptions = { signal: ctx.signal, timeout: settings.callTimeoutMs };
  // The last relayed progress notification: the result waits for it, or it could overtake it (and an
  // agent's client drops progress that arrives after the result).
  let relayed: Promise<void> | undefined;
  if (token !== undefined) {
    options.onprogress = (progress: Progress) => {
      relayed = channel!.progress(progress.progress, progress.total, progress.message);
    };
  }
  let result: JsonObject;
  try {
    result = await link.client.request({ method: 'tools/call', params }, passthroughObject, options);
  } catch (error) {
    throw callError(error, exposed, ctx.signal, upstream, link, settings);
  }
  if (relayed !== undefined) await relayed.catch(() => undefined);
  if (!Array.isArray(result.content)) {
    if (result.content !== undefined) {
      throw new UpstreamError(
        'SMCP_UPSTREAM_ERROR',
        `the upstream of '${exposed}' returned a malformed result (no content list)`,
      );
    }
    // The SDK's schema defaults a missing content list to []; so does the proxy.
    result.content = [];
  }
  if (link.kind !== 'stdio' && exceedsJsonBytes(result, settings.maxResponseBytes)) {
    throw tooLarge(exposed, settings.maxResponseBytes);
  }
  return rawResult(result as RawToolResult['result']);
}

function checkArguments(entry: CatalogEntry, args: JsonObject, settings: CallSettings): string | undefined {
  const { instance, log, argumentCheckMs } = settings;
  let compiled = entry.argumentCheck;
  if (compiled === undefined) {
    compiled = compileArgumentCheck(entry.raw.inputSchema as JsonObject, argumentCheckMs);
    entry.argumentCheck = compiled;
    if (compiled.error !== undefined) {
      log.warn(
        { instance, tool: entry.upstreamName, error: compiled.error },
        'mcp_proxy_schema_not_compiled',
      );
    }
    if (compiled.backtracking.length > 0) {
      log.warn(
        {
          instance,
          tool: entry.upstreamName,
          patterns: compiled.backtracking
            .slice(0, 20)
            .map(({ keyword, pattern }) => ({ keyword, pattern: pattern.slice(0, 200) })),
          bound: `argument_check_ms (${argumentCheckMs} ms)`,
        },
        'mcp_proxy_pattern_backtracking',
      );
    }
  }
  try {
    return compiled.check?.(args);
  } catch (error) {
    if (!(error instanceof ArgumentCheckOverBudget)) throw error;
    throw new LimitExceededError(
      `checking the arguments of '${entry.exposedName}' against its schema takes longer than ${argumentCheckMs} ms (argument_check_ms); send simpler arguments (fewer items, less nesting, shorter strings)`,
      { name: 'argument_check_ms', value: argumentCheckMs },
    );
  }
}

/** The agent's `_meta` minus its progressToken (the SDK sets its own, mapped back on each notification). */
function forwardedMeta(meta: Readonly<Record<string, unknown>>): JsonObject | undefined {
  let out: JsonObject | undefined;
  for (const key in meta) {
    if (key === 'progressToken' || !Object.hasOwn(meta, key)) continue;
    out ??= {};
    out[key] = meta[key];
  }
  return out;
}

function unavailable(upstream: Upstream, exposed: string): UpstreamError {
  if (upstream.phase === 'restarting') {
    const seconds = upstream.secondsUntilRestart();
    return new UpstreamError(
      'SMCP_UPSTREAM_UNAVAILABLE',
      `the upstream of '${exposed}' stopped and is being restarted; retry in about ${seconds} s`,
      { details: { retry_after_ms: seconds * 1000 } },
    );
  }
  return new UpstreamError(
    'SMCP_UPSTREAM_UNAVAILABLE',
    `the upstream of '${exposed}' is not running (the server is shutting down)`,
  );
}

function tooLarge(exposed: string, limit: number): LimitExceededError {
  return new LimitExceededError(
    `the upstream's response to '${exposed}' is larger than max_response_bytes (${limit} bytes); ask for less, e.g. a smaller page or range`,
    { name: 'max_response_bytes', value: limit },
  );
}

function callError(
  error: unknown,
  exposed: string,
  signal: AbortSignal,
  upstream: Upstream,
  link: UpstreamLink,
  settings: CallSettings,
): Error {
  if (signal.aborted) return new ToolFailure(`'${exposed}' was cancelled; the upstream was told to stop`);
  if (error instanceof McpError) {
    switch (error.code) {
      case OVERSIZE_ERROR_CODE:
        return tooLarge(exposed, settings.maxResponseBytes);
      case ErrorCode.RequestTimeout:
        return new LimitExceededError(
          `'${exposed}' did not finish within ${settings.callTimeoutMs / 1000} s (call_timeout_seconds); the upstream call was cancelled`,
          { name: 'call_timeout_seconds', value: settings.callTimeoutMs / 1000 },
        );
      case ErrorCode.ConnectionClosed:
        return new UpstreamError(
          'SMCP_UPSTREAM_UNAVAILABLE',
          `the upstream of '${exposed}' stopped during the call, so its effect is unknown; it is being restarted — retry in a few seconds`,
        );
      default:
        return new UpstreamError(
          'SMCP_UPSTREAM_ERROR',
          `the upstream answered '${exposed}' with an error: ${oneLine(error.message)}`,
        );
    }
  }
  // Anything else is the connection itself (a refused or reset HTTP request, a closed pipe): reconnect.
  upstream.connectionFailed(link);
  const status =
    error instanceof StreamableHTTPError && error.code !== undefined ? ` (HTTP ${error.code})` : '';
  return new UpstreamError(
    'SMCP_UPSTREAM_UNAVAILABLE',
    `the upstream of '${exposed}' could not be reached${status}; reconnecting — retry in a few seconds`,
  );
}

/** Core redacts the instance's secrets from the message before the agent sees it (declared `secrets`). */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}
