import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import {
  type CommandInstance,
  errorLine,
  type ModuleCommand,
  type ModuleCommandContext,
  type ModuleContext,
  type SessionChannel,
  ToolFailure,
} from '@scoped-mcp/core';
import type { McpProxyConfig } from './config.js';
import { lockPathFor, recordInstancePins, writeAtomically } from './pins.js';
import { startProxy } from './start-proxy.js';

/**
 * `scoped-mcp pins update --manifest PATH`: starts every mcp_proxy instance of the manifest (nothing else),
 * records each upstream's current tool definitions into `<manifest>.pins.json`, stops them, and prints what
 * was written. Exit 0 when every instance was recorded; 1 (naming the instance) when one could not be.
 */
export const pinsCommand: ModuleCommand<McpProxyConfig> = {
  summary: "record the upstreams' tool definitions in <manifest>.pins.json (for pinning: warn | enforce)",
  usage: 'update',
  run: updatePins,
};

/**
 * Every capability a client can have, so upstreams that register tools only for such clients (sampling,
 * elicitation, roots) show them while the lock is written. No client stands behind it: requests fail.
 */
const RECORDING_SESSION: SessionChannel = {
  clientReady: () => Promise.resolve(RECORDING_CAPABILITIES),
  clientCapabilities: () => RECORDING_CAPABILITIES,
  request: (method) =>
    Promise.reject(new ToolFailure(`no client to answer '${method}' while recording pins`)),
  log: () => Promise.resolve(),
  toolsChanged: () => undefined,
};
const RECORDING_CAPABILITIES = Object.freeze({
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
});

async function updatePins(ctx: ModuleCommandContext<McpProxyConfig>): Promise<number> {
  const [action, ...rest] = ctx.args;
  if (action !== 'update' || rest.length > 0) {
    ctx.err(`usage: ${ctx.usage}`);
    return 1;
  }
  const lockPath = lockPathFor(ctx.manifestPath);
  const shown = relative(process.cwd(), lockPath) || lockPath;
  const wanted = [...ctx.instances, ...ctx.unavailable].map((instance) => instance.key);
  for (const { key, error } of ctx.unavailable) {
    ctx.err(`error: mcp_proxy '${key}' could not be loaded: ${error}`);
  }
  const outcomes = await Promise.all(
    ctx.instances.map((instance) =>
      recordUpstreamPins(instanceContext(ctx, instance)).then(
        () => undefined,
        (error: unknown) => error,
      ),
    ),
  );
  let failed = ctx.unavailable.length;
  ctx.instances.forEach((instance, index) => {
    const error = outcomes[index];
    if (error === undefined) return;
    failed++;
    ctx.err(`error: mcp_proxy '${instance.key}' was not recorded: ${errorLine(error)}`);
  });

  const lock = await readLock(lockPath);
  if (!lock) {
    ctx.err(`error: no pins were written to ${shown}`);
    return 1;
  }
  const stale = Object.keys(lock.instances).filter((key) => !wanted.includes(key));
  if (stale.length > 0) {
    for (const key of stale) delete lock.instances[key];
    await writeAtomically(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  }
  ctx.out(
    `Pinned the tool definitions of ${wanted.length - failed} of ${wanted.length} upstream(s) in ${shown}:`,
  );
  const width = Math.max(...wanted.map((key) => key.length));
  for (const key of wanted) {
    const section = lock.instances[key];
    if (!section) continue;
    const count = Object.keys(section.tools ?? {}).length;
    const transport = (section.transport ?? '').padEnd(5);
    ctx.out(`  ${key.padEnd(width)}  ${transport}  ${count} tool${count === 1 ? '' : 's'}`);
  }
  for (const key of stale) ctx.out(`  removed '${key}' (no longer an mcp_proxy module in the manifest)`);
  ctx.out('Review the changes (git diff) before committing them.');
  return failed > 0 ? 1 : 0;
}

/**
 * Starts one instance's upstream as a client with every capability would, writes the definitions of every
 * tool the filters let through into its section of `<manifest>.pins.json`, and stops the upstream.
 */
export async function recordUpstreamPins(ctx: Omit<ModuleContext<McpProxyConfig>, 'session'>): Promise<void> {
  const { upstream, catalog } = await startProxy({ ...ctx, session: RECORDING_SESSION }, { recording: true });
  try {
    const path = lockPathFor(ctx.manifestPath);
    const tools = catalog.eligible.map((entry) => ({ definition: entry.definition, hash: entry.hash }));
    await recordInstancePins(path, ctx.instance, {
      transport: upstream.link?.kind ?? 'unknown',
      ...(upstream.serverInfo ? { server: upstream.serverInfo } : {}),
      tools,
    });
    ctx.log.info({ instance: ctx.instance, tools: tools.length, lock: path }, 'mcp_proxy_pins_recorded');
  } finally {
    await upstream.stop();
  }
}

/** What setup would receive for this instance (the recording client stands in for the agent's). */
function instanceContext(
  ctx: ModuleCommandContext<McpProxyConfig>,
  instance: CommandInstance<McpProxyConfig>,
): Omit<ModuleContext<McpProxyConfig>, 'session'> {
  return {
    agent: ctx.agent,
    instance: instance.key,
    config: instance.config,
    credentials: instance.credentials,
    log: ctx.log,
    manifestDir: ctx.manifestDir,
    manifestPath: ctx.manifestPath,
    resolvePath: ctx.resolvePath,
    limits: ctx.limits,
  };
}

interface LockFile {
  instances: Record<string, { transport?: string; tools?: Record<string, unknown> }>;
  [key: string]: unknown;
}

/** The lock as it is on disk (unknown fields kept, so pruning rewrites nothing else), if it has instances. */
async function readLock(path: string): Promise<LockFile | undefined> {
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as Partial<LockFile>;
    return typeof json.instances === 'object' && json.instances !== null ? (json as LockFile) : undefined;
  } catch {
    return undefined;
  }
}
