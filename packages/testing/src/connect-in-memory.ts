import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ScopedMcpModule } from '@scoped-mcp/core';
import {
  coreVersion,
  createScopedServer,
  type InstanceSpec,
  openScopedServer,
  type ScopedServer,
  type StatusReport,
} from '@scoped-mcp/core/runtime';
import {
  type HarnessOptions,
  type HarnessResult,
  harnessResult,
  moduleSpec,
  runtimeParts,
} from './harness.js';

/** A manifest file, loaded as `scoped-mcp run --manifest` would load it. */
export interface ManifestTarget {
  readonly manifest: string;
}

/** What to serve: one module, instances made ready by the caller, or a manifest. */
export type InMemoryTarget = ScopedMcpModule | readonly InstanceSpec[] | ManifestTarget;

export interface ConnectOptions extends Omit<HarnessOptions, 'session'> {
  /** The client to connect (its capabilities and request handlers); default one with no capabilities. */
  readonly client?: Client;
  /** Reported to the client as serverInfo.version; default core's version. */
  readonly version?: string;
  /** Manifest only: the environment (identity, `${VAR}`, credentials); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Manifest only: log files; default files in a temporary directory, removed by `close()`. */
  readonly auditLog?: string;
  readonly opsLog?: string;
  /** Manifest only: where else modules are looked for, as the CLI's own directory and `--modules-from`. */
  readonly cliDir?: string;
  readonly modulesFrom?: readonly string[];
}

/** An SDK client connected to a scoped-mcp server in this process. */
export interface InMemoryConnection {
  readonly client: Client;
  readonly server: ScopedServer;
  /** The status once every module had started. */
  readonly status: StatusReport;
  /** Audit lines written so far, parsed. */
  readonly audit: readonly Record<string, unknown>[];
  /** Ops lines written so far, parsed. */
  readonly ops: readonly Record<string, unknown>[];
  /** The log files of a manifest-built server. */
  readonly auditLog: string | undefined;
  readonly opsLog: string | undefined;
  /** Every JSON-RPC message the server sent, as the text a stdio server would have written (one per line). */
  readonly sent: readonly string[];
  call(name: string, args?: Record<string, unknown>, options?: RequestOptions): Promise<HarnessResult>;
  /** Names from tools/list, sorted. */
  toolNames(): Promise<string[]>;
  /** Closes the client, then the server (teardown of every module); removes temporary log files. */
  close(): Promise<void>;
}

/**
 * The SDK's own way of testing a server: an SDK `Client` and the scoped-mcp server linked by the SDK's
 * `InMemoryTransport`. Every message is serialised to JSON and back on the way, as on stdio.
 */
export async function connectInMemory(
  target: InMemoryTarget,
  options: ConnectOptions = {},
): Promise<InMemoryConnection> {
  const version = options.version ?? coreVersion();
  let opened: { server: ScopedServer; audit(): Record<string, unknown>[]; ops(): Record<string, unknown>[] };
  let logs: { auditLog?: string; opsLog?: string; temporary?: string } = {};
  if ('manifest' in target) {
    logs = await logFiles(options);
    const server = await openScopedServer({
      manifestPath: target.manifest,
      env: options.env ?? process.env,
      auditLog: logs.auditLog,
      opsLog: logs.opsLog,
      cliDir: options.cliDir,
      modulesFrom: options.modulesFrom,
      middleware: options.middleware,
      version,
    }).catch(async (error: unknown) => {
      if (logs.temporary) await rm(logs.temporary, { recursive: true, force: true });
      throw error;
    });
    const auditLog = logs.auditLog!;
    const opsLog = logs.opsLog!;
    opened = { server, audit: () => readJsonLines(auditLog), ops: () => readJsonLines(opsLog) };
  } else {
    const instances = isInstanceList(target) ? target : [moduleSpec(target, options)];
    const { runtimeOptions, audit, ops } = runtimeParts(instances, options);
    const { audit: auditLogger, ops: opsLogger, ...rest } = runtimeOptions;
    const server = createScopedServer({
      ...rest,
      loggers: { audit: auditLogger, ops: opsLogger, flush: () => undefined },
      version,
    });
    opened = { server, audit: () => audit, ops: () => ops };
  }

  const { server } = opened;
  const sent: string[] = [];
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = options.client ?? new Client({ name: 'scoped-mcp-testing', version: '1.0.0' });
  let status: StatusReport;
  try {
    const started = server.connect(overTheWire(serverSide, sent), 'in-memory');
    await client.connect(overTheWire(clientSide));
    status = await started;
  } catch (error) {
    await client.close().catch(() => undefined);
    await server.close();
    if (logs.temporary) await rm(logs.temporary, { recursive: true, force: true });
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    client,
    server,
    status,
    get audit() {
      return opened.audit();
    },
    get ops() {
      return opened.ops();
    },
    auditLog: logs.auditLog,
    opsLog: logs.opsLog,
    sent,
    async call(name, args = {}, requestOptions) {
      const result = await client.callTool({ name, arguments: args }, undefined, requestOptions);
      return harnessResult(result as CallToolResult);
    },
    async toolNames() {
      return (await client.listTools()).tools.map((tool) => tool.name).sort();
    },
    close() {
      closing ??= (async () => {
        await client.close().catch(() => undefined);
        await server.close();
        if (logs.temporary) await rm(logs.temporary, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

function isInstanceList(
  target: ScopedMcpModule | readonly InstanceSpec[],
): target is readonly InstanceSpec[] {
  return Array.isArray(target);
}

async function logFiles(
  options: ConnectOptions,
): Promise<{ auditLog: string; opsLog: string; temporary?: string }> {
  if (options.auditLog && options.opsLog) return { auditLog: options.auditLog, opsLog: options.opsLog };
  const temporary = await mkdtemp(join(tmpdir(), 'scoped-mcp-in-memory-'));
  return {
    auditLog: options.auditLog ?? join(temporary, 'audit.jsonl'),
    opsLog: options.opsLog ?? join(temporary, 'ops.jsonl'),
    temporary,
  };
}

function readJsonLines(path: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * The in-memory transport hands the other side the very object that was sent; stdio hands it a parse of
 * its JSON text. Sending the parse here keeps what a test sees to what a real client would get (no
 * `undefined`, no shared objects), and records the text when asked to.
 */
function overTheWire(transport: InMemoryTransport, record?: string[]): Transport {
  const send = transport.send.bind(transport);
  transport.send = (message: JSONRPCMessage, sendOptions) => {
    const text = JSON.stringify(message);
    record?.push(text);
    return send(JSON.parse(text) as JSONRPCMessage, sendOptions);
  };
  return transport;
}
