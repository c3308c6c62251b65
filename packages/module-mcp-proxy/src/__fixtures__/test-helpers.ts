import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallChannel, LogLevel, SessionChannel } from '@scoped-mcp/core';

const require = createRequire(import.meta.url);

/** server-everything's entry point (the package has no `main`; its bin is dist/index.js). */
export const EVERYTHING = join(
  dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist/index.js',
);
export const FIXTURE_UPSTREAM = fileURLToPath(new URL('./fixture-upstream.mjs', import.meta.url));

export const FULL_CAPABILITIES = Object.freeze({
  sampling: {},
  elicitation: { form: {} },
  roots: { listChanged: true },
});

export interface RecordedRequest {
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>> | undefined;
}

export interface RecordedLog {
  readonly level: LogLevel;
  readonly data: unknown;
  readonly logger: string | undefined;
}

export interface FakeSession extends SessionChannel {
  readonly requests: RecordedRequest[];
  readonly logs: RecordedLog[];
  toolsChangedCount: number;
}

/** Stands in for the agent's client: declared capabilities, scripted answers, recorded traffic. */
export function fakeSession(
  capabilities: Readonly<Record<string, unknown>>,
  answers: Readonly<
    Record<string, (params: Record<string, unknown> | undefined) => Record<string, unknown>>
  > = {},
): FakeSession {
  const session: FakeSession = {
    requests: [],
    logs: [],
    toolsChangedCount: 0,
    clientReady: () => Promise.resolve(capabilities),
    clientCapabilities: () => capabilities,
    async request(method, params) {
      session.requests.push({ method, params });
      const answer = answers[method];
      if (!answer) throw new Error(`no answer scripted for ${method}`);
      return answer(params as Record<string, unknown> | undefined);
    },
    async log(level, data, logger) {
      session.logs.push({ level, data, logger });
    },
    toolsChanged() {
      session.toolsChangedCount++;
    },
  };
  return session;
}

export interface ProgressEvent {
  readonly progress: number;
  readonly total: number | undefined;
  readonly message: string | undefined;
}

/** A call channel that asked for progress (token `token`) and records what arrives. */
export function progressChannel(
  session: SessionChannel,
  token: string | number,
  meta: Readonly<Record<string, unknown>> = {},
): { channel: CallChannel; events: ProgressEvent[] } {
  const events: ProgressEvent[] = [];
  const channel: CallChannel = {
    clientReady: () => session.clientReady(),
    clientCapabilities: () => session.clientCapabilities(),
    request: (method, params, options) => session.request(method, params, options),
    log: (level, data, logger) => session.log(level, data, logger),
    toolsChanged: () => session.toolsChanged(),
    progressToken: token,
    meta: { ...meta, progressToken: token },
    async progress(progress, total, message) {
      events.push({ progress, total, message });
    },
  };
  return { channel, events };
}

export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `mcp-proxy-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of every process whose parent is `pid`, recursively (from `ps`, so it sees re-parented ones too). */
export function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of table) {
      if (ppid === parent) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
