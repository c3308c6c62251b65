import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import type { SessionChannel } from '@scoped-mcp/core';
import {
  type AgentIdentity,
  assemble,
  createLoggers,
  resolveIdentity,
  ScopedRuntime,
} from '@scoped-mcp/core/runtime';
import type { CommonOptions } from '../options.js';
import { err, out } from '../output.js';
import { cliDir } from '../package-info.js';

const USAGE = 'usage: scoped-mcp pins update --manifest PATH [--modules-from DIR]';
const PROXY_TYPE = 'mcp_proxy';

/**
 * Every capability a client can have, so upstreams that register tools only for such clients (sampling,
 * elicitation, roots) show them while the lock is written. No client stands behind it: requests fail.
 */
const RECORDING_SESSION: SessionChannel = {
  clientReady: () => Promise.resolve(RECORDING_CAPABILITIES),
  clientCapabilities: () => RECORDING_CAPABILITIES,
  request: (method) => Promise.reject(new Error(`no client to answer '${method}' while recording pins`)),
  log: () => Promise.resolve(),
  toolsChanged: () => undefined,
};
const RECORDING_CAPABILITIES = Object.freeze({
  sampling: {},
  elicitation: { form: {}, url: {} },
  roots: { listChanged: true },
});

/**
 * `pins update`: starts every mcp_proxy instance of the manifest (nothing else), lets each record its
 * upstream's current tool definitions into `<manifest>.pins.json`, stops them, and prints what was written.
 * Exit 0 when every instance was recorded; 1 (naming the instance) when one could not be.
 */
export async function pinsCommand(options: CommonOptions): Promise<number> {
  const [action, ...rest] = options.positionals;
  if (action !== 'update' || rest.length > 0 || !options.manifest) {
    err(options.manifest ? USAGE : `scoped-mcp pins: --manifest PATH is required\n${USAGE}`);
    return 1;
  }
  const manifestPath = resolve(options.manifest);
  let assembly: Awaited<ReturnType<typeof assemble>>;
  try {
    assembly = await assemble({
      manifestPath,
      cliDir,
      modulesFrom: options.modulesFrom.map((d) => resolve(d)),
    });
  } catch (error) {
    err(`error: ${message(error)}`);
    return 1;
  }
  const proxies = assembly.instances.filter((instance) => instance.type === PROXY_TYPE);
  const lockPath = lockPathFor(assembly.manifest.path);
  const shown = relative(process.cwd(), lockPath) || lockPath;
  if (proxies.length === 0) {
    err(`error: ${options.manifest} has no ${PROXY_TYPE} modules; there is nothing to pin`);
    return 1;
  }
  const notLoaded = proxies.filter((instance) => instance.failure);
  for (const instance of notLoaded) {
    err(`error: ${PROXY_TYPE} '${instance.key}' could not be loaded: ${instance.failure!.error}`);
  }

  const loggers = createLoggers({ opsLog: options.opsLog && resolve(options.opsLog), opsLevel: 'warn' });
  const runtime = new ScopedRuntime({
    agent: identity(assembly.manifest.manifest.agent_type),
    instances: proxies.filter((instance) => !instance.failure),
    manifestDir: assembly.manifest.dir,
    manifestPath: assembly.manifest.path,
    purpose: 'pins-update',
    session: RECORDING_SESSION,
    audit: loggers.audit,
    ops: loggers.ops,
    secrets: assembly.secrets,
  });
  let failed = notLoaded.length;
  try {
    const report = await runtime.start();
    for (const instance of runtime.instances) {
      if (report.modules[instance.key]?.status !== 'running') {
        failed++;
        err(
          `error: ${PROXY_TYPE} '${instance.key}' was not recorded: ${runtime.redactor.redact(instance.error ?? 'it did not start')}`,
        );
      }
    }
  } finally {
    await runtime.stop();
    loggers.flush();
  }

  const lock = await readLock(lockPath);
  if (!lock) {
    err(`error: no pins were written to ${shown}`);
    return 1;
  }
  const wanted = new Set(proxies.map((instance) => instance.key));
  const stale = Object.keys(lock.instances).filter((key) => !wanted.has(key));
  if (stale.length > 0) {
    for (const key of stale) delete lock.instances[key];
    await writeAtomically(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  }
  out(
    `Pinned the tool definitions of ${proxies.length - failed} of ${proxies.length} upstream(s) in ${shown}:`,
  );
  const width = Math.max(...[...wanted].map((key) => key.length));
  for (const key of wanted) {
    const section = lock.instances[key];
    if (!section) continue;
    const count = Object.keys(section.tools ?? {}).length;
    const transport = (section.transport ?? '').padEnd(5);
    out(`  ${key.padEnd(width)}  ${transport}  ${count} tool${count === 1 ? '' : 's'}`);
  }
  for (const key of stale) out(`  removed '${key}' (no longer an ${PROXY_TYPE} module in the manifest)`);
  out('Review the changes (git diff) before committing them.');
  return failed > 0 ? 1 : 0;
}

interface LockFile {
  instances: Record<string, { transport?: string; tools?: Record<string, unknown> }>;
  [key: string]: unknown;
}

/** The mcp_proxy module's rule: `agents/research.yml` → `agents/research.pins.json`. */
function lockPathFor(manifestPath: string): string {
  const file = basename(manifestPath);
  const ext = extname(file);
  return join(dirname(manifestPath), `${ext ? file.slice(0, -ext.length) : file}.pins.json`);
}

async function readLock(path: string): Promise<LockFile | undefined> {
  try {
    const json = JSON.parse(await readFile(path, 'utf8')) as Partial<LockFile>;
    return typeof json.instances === 'object' && json.instances !== null ? (json as LockFile) : undefined;
  } catch {
    return undefined;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode: 0o644 });
  await rename(temporary, path);
}

/** The agent's identity when set (roots_path and similar render with it), else a stand-in. */
function identity(agentType: string): AgentIdentity {
  try {
    return resolveIdentity();
  } catch {
    return { id: 'pins-update', type: agentType, sessionId: 'pins-update' };
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
