import { errorLine, type ModuleLogger } from '@scoped-mcp/core';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { McpProxyConfig } from './config.js';
import { listAllTools } from './list-tools.js';
import { type InstancePins, type PinLock, readPinLock } from './pins.js';
import type { ToolCatalog } from './tool-catalog.js';
import { type LinkHooks, openLink, type UpstreamLink, type UpstreamTarget } from './upstream-link.js';

export type UpstreamPhase = 'starting' | 'ready' | 'restarting' | 'stopped';

export interface UpstreamOptions {
  readonly instance: string;
  readonly config: McpProxyConfig;
  readonly target: UpstreamTarget;
  /** Safe name for logs and errors (`stdio: node`, `http: https://host/mcp`). */
  readonly describe: string;
  readonly capabilities: ClientCapabilities;
  readonly hooks: Omit<LinkHooks, 'onToolsChanged' | 'onLost' | 'onError'>;
  readonly catalog: ToolCatalog;
  readonly log: ModuleLogger;
  /** The pin lock to check against, or undefined when pins are not checked (`off`, `pins update`). */
  readonly lockPath: string | undefined;
  /** Tells core the offered tool set may have changed. */
  readonly toolsChanged: () => void;
}

const FIRST_BACKOFF_MS = 250;
/** An upstream that stayed up this long starts its backoff from the beginning when it next fails. */
const STABLE_MS = 30_000;
const STDERR_TAIL = 20;

/**
 * Owns the connection to one upstream for the life of the proxy: the first start (whose failure fails the
 * module's setup), tool-list refreshes, restarts with exponential backoff after a crash or a lost
 * session, and a fast stop.
 */
/** SDK transport errors that mean the HTTP upstream is gone, not a passing protocol hiccup. */
const LINK_GONE = /reconnection attempts|failed to reconnect|fetch failed|ECONNREFUSED|ECONNRESET/i;

export class Upstream {
  phase: UpstreamPhase = 'starting';
  link: UpstreamLink | undefined;
  private generation = 0;
  private attempt = 0;
  private connectedAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartAt = 0;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private refreshPending = false;
  private readonly stopped = new AbortController();
  private readonly stderrTail: string[] = [];
  serverInfo: { name?: string; version?: string } | undefined;

  constructor(private readonly options: UpstreamOptions) {}

  /** Connects, lists, checks pins. Throws (naming both tools on a name collision) when that fails. */
  async start(): Promise<void> {
    await this.connect(true);
  }

  /** Seconds until the next restart attempt (for the agent's retry hint). */
  secondsUntilRestart(): number {
    return Math.max(1, Math.ceil((this.restartAt - Date.now()) / 1000));
  }

  /** Records an upstream stderr line: debug-logged, and the last few kept for the crash report. */
  stderr(line: string): void {
    // Kept as is: the module's logger redacts the instance's secrets before it writes (then cuts).
    if (this.stderrTail.length >= STDERR_TAIL) this.stderrTail.shift();
    this.stderrTail.push(line);
    this.options.log.debug({ instance: this.options.instance, line }, 'mcp_proxy_upstream_stderr');
  }

  /** A call found the connection dead (HTTP): reconnect as after a crash. */
  connectionFailed(link: UpstreamLink): void {
    if (this.link === link) this.lost(this.generation, 'connection_failed');
  }

  async stop(): Promise<void> {
    this.phase = 'stopped';
    this.stopped.abort();
    clearTimeout(this.restartTimer);
    const link = this.link;
    this.link = undefined;
    await link?.close();
  }

  private async connect(strict: boolean): Promise<void> {
    const { config, target, capabilities, catalog, log, instance } = this.options;
    const generation = ++this.generation;
    this.refreshPending = false;
    const timeoutMs = config.discovery_timeout_seconds * 1000;
    const hooks: LinkHooks = {
      ...this.options.hooks,
      onToolsChanged: () => {
        if (generation !== this.generation) return;
        // A change announced while connecting is applied as soon as the first listing is in place.
        if (this.phase === 'ready') void this.refresh();
        else this.refreshPending = true;
      },
      onLost: () => this.lost(generation, 'exited'),
      onError: (error) => {
        log.debug({ instance, error: error.message }, 'mcp_proxy_upstream_protocol_error');
        // An HTTP upstream that died mid-call leaves the SDK retrying its SSE stream and the call waiting
        // for the full call timeout; once the SDK gives up, drop the link so in-flight calls fail now.
        const link = this.link;
        if (
          generation === this.generation &&
          link &&
          link.kind !== 'stdio' &&
          LINK_GONE.test(error.message)
        ) {
          this.connectionFailed(link);
        }
      },
    };
    const deadline = AbortSignal.any([this.stopped.signal, AbortSignal.timeout(timeoutMs)]);
    const link = await abortable(
      openLink(target, capabilities, hooks, timeoutMs, deadline),
      deadline,
      (late) => late.close(),
    );
    try {
      const listing = await abortable(listAllTools(link.client, timeoutMs), deadline);
      const pins = await this.pins();
      catalog.apply(listing, pins, strict);
    } catch (error) {
      await link.close();
      throw error;
    }
    if (this.stopped.signal.aborted) {
      await link.close();
      throw new Error('stopped');
    }
    const version = link.client.getServerVersion();
    this.serverInfo = version ? { name: version.name, version: version.version } : undefined;
    this.link = link;
    this.phase = 'ready';
    this.connectedAt = Date.now();
    if (this.refreshPending) {
      this.refreshPending = false;
      await this.refresh();
    }
  }

  private async pins(): Promise<InstancePins | undefined> {
    const path = this.options.lockPath;
    if (path === undefined) return undefined;
    let lock: PinLock | undefined;
    try {
      lock = await readPinLock(path);
    } catch (error) {
      // Treated as "no pins": enforce then withholds every tool, warn offers them with a warning.
      this.options.log.error(
        { instance: this.options.instance, error: (error as Error).message },
        'mcp_proxy_pins_unreadable',
      );
      return undefined;
    }
    return lock?.instances[this.options.instance];
  }

  private lost(generation: number, reason: 'exited' | 'connection_failed'): void {
    if (this.phase !== 'ready' || generation !== this.generation) return;
    const { log, instance, describe } = this.options;
    const link = this.link;
    this.link = undefined;
    this.phase = 'restarting';
    void link?.close();
    const exit = link?.exitInfo();
    log.warn(
      {
        instance,
        upstream: describe,
        reason,
        ...(exit ? { exit_code: exit.code, signal: exit.signal } : {}),
        ...(this.stderrTail.length > 0 ? { stderr_tail: [...this.stderrTail] } : {}),
      },
      'mcp_proxy_upstream_lost',
    );
    if (Date.now() - this.connectedAt > STABLE_MS) this.attempt = 0;
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.phase === 'stopped') return;
    const cap = this.options.config.restart.max_backoff_seconds * 1000;
    const base = Math.min(cap, FIRST_BACKOFF_MS * 2 ** Math.min(this.attempt, 20));
    // ±20 % so upstreams that failed together do not restart in lockstep.
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.attempt++;
    this.restartAt = Date.now() + delay;
    this.restartTimer = setTimeout(() => void this.restart(), delay);
    this.restartTimer.unref();
  }

  private async restart(): Promise<void> {
    if (this.phase !== 'restarting') return;
    const { log, instance, describe } = this.options;
    this.stderrTail.length = 0;
    try {
      await this.connect(false);
    } catch (error) {
      if (this.stopped.signal.aborted) return;
      log.warn(
        {
          instance,
          upstream: describe,
          attempt: this.attempt,
          error: errorLine(error, Number.POSITIVE_INFINITY),
          ...(this.stderrTail.length > 0 ? { stderr_tail: [...this.stderrTail] } : {}),
        },
        'mcp_proxy_restart_failed',
      );
      this.scheduleRestart();
      return;
    }
    log.info({ instance, upstream: describe, attempt: this.attempt }, 'mcp_proxy_upstream_restarted');
    this.options.toolsChanged();
  }

  /** tools/list_changed: re-list (serialised; a burst of notifications costs at most two listings). */
  private refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    const { config, catalog, log, instance } = this.options;
    this.refreshing = (async () => {
      do {
        this.refreshAgain = false;
        const link = this.link;
        if (this.phase !== 'ready' || !link) return;
        const listing = await listAllTools(link.client, config.discovery_timeout_seconds * 1000);
        const pins = await this.pins();
        if (link !== this.link) return;
        if (catalog.apply(listing, pins, false)) {
          log.info({ instance, tools: catalog.size }, 'mcp_proxy_tools_changed');
          this.options.toolsChanged();
        }
      } while (this.refreshAgain);
    })()
      .catch((error: unknown) => {
        log.warn(
          {
            instance,
            error: errorLine(error, Number.POSITIVE_INFINITY),
          },
          'mcp_proxy_tools_refresh_failed',
        );
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}

/** Rejects when `signal` aborts; a value that arrives after that is handed to `late` (to close it). */
function abortable<T>(work: Promise<T>, signal: AbortSignal, late?: (value: T) => unknown): Promise<T> {
  if (signal.aborted) {
    void work.then(
      (value) => late?.(value),
      () => undefined,
    );
    return Promise.reject(abortError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const onAbort = () => {
      settled = true;
      reject(abortError(signal));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (settled) void late?.(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (!settled) reject(error);
      },
    );
  });
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason as { name?: string } | undefined;
  return new Error(
    reason?.name === 'TimeoutError'
      ? 'the upstream did not start in time (discovery_timeout_seconds)'
      : 'stopped',
  );
}
