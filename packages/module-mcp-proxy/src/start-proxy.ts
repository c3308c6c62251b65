import { pathToFileURL } from 'node:url';
import {
  type AnyToolDefinition,
  errorLine,
  type ModuleContext,
  renderAgentTemplate,
  UpstreamError,
} from '@scoped-mcp/core';
import { callUpstreamTool } from './call-tool.js';
import type { McpProxyConfig } from './config.js';
import { passthroughObject } from './passthrough.js';
import { lockPathFor } from './pins.js';
import { buildTarget, describeTarget } from './target.js';
import { type CatalogEntry, CollisionError, ToolCatalog } from './tool-catalog.js';
import { createToolFilter } from './tool-names.js';
import { Upstream } from './upstream.js';
import { type RootsAnswer, upstreamCapabilities } from './upstream-link.js';

export interface McpProxyState {
  readonly upstream: Upstream;
  readonly catalog: ToolCatalog;
}

/**
 * Connects one instance's upstream and builds its tool catalog: the module's setup. `recording` is for
 * `pins update`: the lock is neither read nor enforced, so the catalog holds what the upstream offers now.
 */
export async function startProxy(
  ctx: ModuleContext<McpProxyConfig>,
  options: { readonly recording?: boolean } = {},
): Promise<McpProxyState> {
  const { config, instance, log } = ctx;
  const recording = options.recording === true;
  const settings = {
    instance,
    callTimeoutMs: config.call_timeout_seconds * 1000,
    maxResponseBytes: config.max_response_bytes,
    argumentCheckMs: config.argument_check_ms,
    log,
  };
  let upstream: Upstream | undefined;
  const catalog: ToolCatalog = new ToolCatalog({
    instance,
    // `pins update` records what the upstream offers now: nothing is withheld while recording.
    pinning: recording ? 'off' : config.pinning,
    filter: createToolFilter(config.tool_allowlist, config.tool_denylist),
    allowlist: config.tool_allowlist,
    log,
    toolFor: (entry) =>
      proxiedTool(entry, (key, args, call) =>
        callUpstreamTool(upstream!, catalog, key, args, call, settings),
      ),
  });
  // Setup runs while the agent's client initialises; the upstream must only be offered what that client
  // can do (sampling, elicitation, roots), so wait for its capabilities first.
  const agentCapabilities = await ctx.session.clientReady();
  const roots = rootsAnswer(ctx);
  upstream = new Upstream({
    instance,
    config,
    target: buildTarget(config, ctx, {
      onStderr: (line) => upstream?.stderr(line),
      onDropped: (bytes) =>
        log.warn({ instance, bytes, limit: config.max_response_bytes }, 'mcp_proxy_message_too_large'),
    }),
    describe: describeTarget(config),
    capabilities: upstreamCapabilities(agentCapabilities, roots.mode),
    hooks: { session: ctx.session, roots, relayTimeoutMs: settings.callTimeoutMs, instance },
    catalog,
    log,
    lockPath: recording || config.pinning === 'off' ? undefined : lockPathFor(ctx.manifestPath),
    toolsChanged: () => ctx.session.toolsChanged(),
  });
  try {
    await upstream.start();
  } catch (error) {
    await upstream.stop();
    if (error instanceof CollisionError) throw error;
    throw new UpstreamStartError(
      // Not cut here: core redacts the instance's secrets from it first, then cuts (a cut could leave part
      // of a secret that redaction no longer matches).
      `upstream '${instance}' (${describeTarget(config)}) did not start: ${errorLine(error, Number.POSITIVE_INFINITY)}`,
    );
  }
  if (upstream.link?.guarded === false) {
    // No /bin/sh (or no process groups): the group still ends with every orderly exit, not after a SIGKILL.
    log.warn({ instance, upstream: describeTarget(config) }, 'mcp_proxy_upstream_unguarded');
  }
  log.info(
    {
      instance,
      upstream: describeTarget(config),
      transport: upstream.link?.kind,
      tools: catalog.size,
      withheld: catalog.eligible.length - catalog.size,
      server: upstream.serverInfo,
    },
    'mcp_proxy_ready',
  );
  return { upstream, catalog };
}

/** Every proxied tool is `write`: the proxy cannot know what an upstream tool changes (as the reference). */
function proxiedTool(
  entry: CatalogEntry,
  call: (
    key: string,
    args: Record<string, unknown>,
    ctx: Parameters<AnyToolDefinition<McpProxyConfig, unknown>['handler']>[1],
  ) => ReturnType<typeof callUpstreamTool>,
): AnyToolDefinition<McpProxyConfig, unknown> {
  const raw = entry.raw;
  const key = entry.key;
  return {
    mode: 'write',
    description: typeof raw.description === 'string' ? raw.description : '',
    ...(typeof raw.title === 'string' ? { title: raw.title } : {}),
    input: passthroughObject,
    inputSchema: raw.inputSchema as Record<string, unknown>,
    ...(raw.outputSchema !== undefined ? { outputSchema: raw.outputSchema as Record<string, unknown> } : {}),
    ...(raw.annotations !== undefined ? { annotations: raw.annotations as Record<string, unknown> } : {}),
    handler: (args, ctx) => call(key, args as Record<string, unknown>, ctx),
  };
}

function rootsAnswer(ctx: ModuleContext<McpProxyConfig>): RootsAnswer {
  const { config } = ctx;
  if (config.roots !== 'scoped') return { mode: config.roots };
  const path = ctx.resolvePath(renderAgentTemplate(config.roots_path!, ctx.agent));
  return { mode: 'scoped', root: { uri: pathToFileURL(path).href, name: ctx.agent.id } };
}

/** Its name is what scoped_mcp_status shows (messages stay in the ops log). */
class UpstreamStartError extends UpstreamError {
  constructor(message: string) {
    super('SMCP_UPSTREAM_START_FAILED', message);
    this.name = 'UpstreamStartError';
  }
}
