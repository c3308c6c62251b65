import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectInMemory, type HarnessResult, type InMemoryConnection } from '@scoped-mcp/testing';
import { cliVersion } from './cli-version.js';
import { childEnv } from './env.js';
import { cliPackageDir } from './paths.js';

export interface InMemoryAgentOptions {
  /** Absolute path of the manifest. */
  readonly manifest: string;
  /** The test's own directory: HOME, SCOPED_MCP_DATA_DIR and the log files. */
  readonly dir: string;
  readonly agentId?: string;
  readonly agentType?: string;
  /** Added to the environment the server reads (which otherwise holds only PATH, HOME, identity, data dir). */
  readonly env?: Readonly<Record<string, string>>;
  /** Log file paths to use instead of fresh ones in `dir` (e.g. to append to an earlier session's log). */
  readonly auditLogPath?: string;
  readonly opsLogPath?: string;
  /** The agent's client (capabilities, request handlers); default one with no capabilities. */
  readonly client?: Client;
}

/** A server built from the manifest exactly as `scoped-mcp run` builds it, with an SDK client in memory. */
export interface InMemoryAgent {
  readonly client: Client;
  readonly connection: InMemoryConnection;
  readonly auditLog: string;
  readonly opsLog: string;
  call(name: string, args?: Record<string, unknown>): Promise<HarnessResult>;
  /** Closes the client and tears the server down, as the end of a session does. */
  close(): Promise<void>;
}

let sequence = 0;

/**
 * What `spawnAgent` starts as a process, in this process: for tests about what the server does, not about
 * the process (signals, stdin EOF, stdout, children). Same environment, same log files, the CLI's version
 * and module directory.
 */
export async function startInMemoryAgent(options: InMemoryAgentOptions): Promise<InMemoryAgent> {
  const n = ++sequence;
  const agentId = options.agentId ?? 'agent-e2e';
  const auditLog = options.auditLogPath ?? join(options.dir, `audit-${agentId}-${n}.jsonl`);
  const opsLog = options.opsLogPath ?? join(options.dir, `ops-${agentId}-${n}.jsonl`);
  const connection = await connectInMemory(
    { manifest: options.manifest },
    {
      env: childEnv(options.dir, {
        AGENT_ID: agentId,
        AGENT_TYPE: options.agentType ?? 'build',
        SCOPED_MCP_DATA_DIR: options.dir,
        ...options.env,
      }),
      auditLog,
      opsLog,
      cliDir: cliPackageDir,
      version: cliVersion,
      ...(options.client ? { client: options.client } : {}),
    },
  );
  return {
    client: connection.client,
    connection,
    auditLog,
    opsLog,
    call: (name, args = {}) => connection.call(name, args),
    close: () => connection.close(),
  };
}
