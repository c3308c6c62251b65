import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { DEFAULT_INHERITED_ENV_VARS, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type HarnessResult, harnessResult } from '@scoped-mcp/testing';
import { childEnv } from './env.js';
import { cliBin, requireBuiltCli } from './paths.js';
import { isAlive, waitForExit } from './process-state.js';

export interface SpawnAgentOptions {
  /** Absolute path of the manifest. */
  readonly manifest: string;
  /** The test's own directory: cwd of the CLI, its HOME, SCOPED_MCP_DATA_DIR and the log files. */
  readonly dir: string;
  readonly agentId?: string;
  readonly agentType?: string;
  /** Added to the child's environment (which otherwise holds only PATH, HOME, identity and data dir). */
  readonly env?: Readonly<Record<string, string>>;
  /** false: no --audit-log / --ops-log, so both streams go to stderr. */
  readonly logFiles?: boolean;
  /** Log file paths to use instead of fresh ones in `dir` (e.g. to append to an earlier session's log). */
  readonly auditLogPath?: string;
  readonly opsLogPath?: string;
  readonly extraArgs?: readonly string[];
  /** Directory the CLI runs in; default `dir`. */
  readonly cwd?: string;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A tool's answer, read as everywhere in the test kit (`text`: every text block, joined by newlines). */
export type ToolOutcome = HarnessResult;

export interface SpawnedAgent {
  readonly client: Client;
  readonly pid: number;
  readonly child: ChildProcess;
  readonly auditLog: string | undefined;
  readonly opsLog: string | undefined;
  /** Settles when the CLI process exits. */
  readonly exited: Promise<ExitInfo>;
  /** Errors the SDK client reported (e.g. a stdout line that is not a JSON-RPC message). */
  readonly clientErrors: readonly Error[];
  /** Everything the CLI wrote to stderr so far. */
  stderr(): string;
  /** Every byte the CLI wrote to stdout so far, as received. */
  stdout(): string;
  call(name: string, args?: Record<string, unknown>): Promise<ToolOutcome>;
  /** Ends the CLI's stdin without the SDK's SIGTERM fallback, to test EOF handling on its own. */
  endStdin(): void;
  /** Closes the client and makes sure the process is gone (SIGKILL as a last resort). */
  close(): Promise<void>;
}

let sequence = 0;

// The transport adds HOME, LOGNAME, PATH, SHELL, TERM, USER of the test runner to the given env; Node leaves
// out variables whose value is undefined, so these entries keep the child's environment exactly ours.
const NOT_INHERITED = Object.fromEntries(
  DEFAULT_INHERITED_ENV_VARS.map((key) => [key, undefined]),
) as unknown as Record<string, string>;

/** Starts `node dist/bin.js --manifest …` and connects the SDK client to it over stdio. */
export async function spawnAgent(options: SpawnAgentOptions): Promise<SpawnedAgent> {
  requireBuiltCli();
  const n = ++sequence;
  const agentId = options.agentId ?? 'agent-e2e';
  const logFiles = options.logFiles ?? true;
  const auditLog = logFiles
    ? (options.auditLogPath ?? join(options.dir, `audit-${agentId}-${n}.jsonl`))
    : undefined;
  const opsLog = logFiles
    ? (options.opsLogPath ?? join(options.dir, `ops-${agentId}-${n}.jsonl`))
    : undefined;
  const args = [
    cliBin,
    '--manifest',
    options.manifest,
    ...(auditLog ? ['--audit-log', auditLog] : []),
    ...(opsLog ? ['--ops-log', opsLog] : []),
    ...(options.extraArgs ?? []),
  ];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args,
    cwd: options.cwd ?? options.dir,
    env: {
      ...NOT_INHERITED,
      ...childEnv(options.dir, {
        AGENT_ID: agentId,
        AGENT_TYPE: options.agentType ?? 'build',
        SCOPED_MCP_DATA_DIR: options.dir,
        ...options.env,
      }),
    },
    stderr: 'pipe',
  });

  let stderr = '';
  let stdout = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let child: ChildProcess | undefined;
  let exited: Promise<ExitInfo> | undefined;
  // The transport keeps its ChildProcess private; the suite needs it for exit codes and the raw stdout.
  // It is taken as soon as the process is spawned, before the server can have written anything.
  const start = transport.start.bind(transport);
  transport.start = async () => {
    await start();
    child = (transport as unknown as { _process?: ChildProcess })._process;
    if (!child) throw new Error('StdioClientTransport internals changed: no _process after start()');
    const proc = child;
    exited = new Promise<ExitInfo>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        resolve({ code: proc.exitCode, signal: proc.signalCode });
      } else proc.once('exit', (code, signal) => resolve({ code, signal }));
    });
    proc.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
  };

  const clientErrors: Error[] = [];
  const client = new Client({ name: 'scoped-mcp-e2e', version: '1.0.0' });
  client.onerror = (error) => clientErrors.push(error);
  try {
    await client.connect(transport);
  } catch (error) {
    await transport.close().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`CLI did not start (${reason}); stderr:\n${stderr}`);
  }
  const proc = child!;
  const pid = proc.pid!;

  return {
    client,
    pid,
    child: proc,
    auditLog,
    opsLog,
    exited: exited!,
    clientErrors,
    stderr: () => stderr,
    stdout: () => stdout,
    async call(name, callArgs = {}) {
      const result = await client.callTool({ name, arguments: callArgs });
      if (!('content' in result)) throw new Error(`tool ${name} returned no content array`);
      return harnessResult(result as CallToolResult);
    },
    endStdin() {
      proc.stdin?.end();
    },
    async close() {
      await client.close().catch(() => undefined);
      if ((await waitForExit(pid, 5000)) === undefined && isAlive(pid)) proc.kill('SIGKILL');
    },
  };
}
