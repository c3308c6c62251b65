import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { childEnv } from './env.js';
import { cliBin, requireBuiltCli } from './paths.js';

/** One line the CLI wrote: parsed when small; a large one keeps its size and the id from its tail. */
export interface RawLine {
  readonly bytes: number;
  readonly id: string | number | null | undefined;
  /** The parsed message, for lines up to `PARSED_LINE_BYTES`. */
  readonly message?: Record<string, unknown>;
  /** The first 200 characters. */
  readonly head: string;
}

export interface RawAgent {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly opsLog: string;
  readonly auditLog: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Writes text as is: one or more lines, each ending in `\n`. */
  write(text: string): Promise<void>;
  /** Writes one JSON-RPC message as a line. */
  send(message: Record<string, unknown>): Promise<void>;
  /** The answer to `id`, once it has arrived. */
  response(id: string | number | null, timeoutMs?: number): Promise<RawLine>;
  /** Every line written so far. */
  readonly lines: readonly RawLine[];
  /** Largest resident set size seen so far, sampled every 20 ms (Linux /proc), in MiB. */
  peakRssMiB(): number;
  stderr(): string;
  ops(): Promise<Record<string, unknown>[]>;
  /** Ends stdin and waits for the process; SIGKILL after `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>;
}

/** Lines up to this size are parsed whole; larger ones (file contents) are only measured. */
const PARSED_LINE_BYTES = 64 * 1024;
const TAIL_ID = /"id":(-?\d+|"(?:[^"\\]|\\.)*"|null)\}$/;

let sequence = 0;

/**
 * The built CLI spoken to in raw JSON-RPC lines, for what an SDK client cannot send or would not survive:
 * nesting JSON.stringify cannot write, lines over the message limit, thousands of calls at once, a client
 * that stops reading. `initialize` is done before it resolves.
 */
export async function startRawAgent(options: {
  readonly manifest: string;
  readonly dir: string;
  readonly agentId?: string;
  readonly agentType?: string;
}): Promise<RawAgent> {
  requireBuiltCli();
  const n = ++sequence;
  const agentId = options.agentId ?? 'raw-e2e';
  const auditLog = join(options.dir, `audit-${agentId}-${n}.jsonl`);
  const opsLog = join(options.dir, `ops-${agentId}-${n}.jsonl`);
  const child = spawn(
    process.execPath,
    [cliBin, '--manifest', options.manifest, '--audit-log', auditLog, '--ops-log', opsLog],
    {
      cwd: options.dir,
      env: childEnv(options.dir, {
        AGENT_ID: agentId,
        AGENT_TYPE: options.agentType ?? 'build',
        SCOPED_MCP_DATA_DIR: options.dir,
      }),
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const pid = child.pid!;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  // A client that has gone away: writes to its closed stdin fail, which is the test's business.
  child.stdin!.on('error', () => undefined);

  const lines: RawLine[] = [];
  const waiters = new Map<string, (line: RawLine) => void>();
  const key = (id: unknown) => JSON.stringify(id ?? null);
  let parts: Buffer[] = [];
  let partBytes = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let end = chunk.indexOf(10, start); end !== -1; end = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, end);
      const bytes = partBytes + piece.length;
      const line = parts.length === 0 ? piece : Buffer.concat([...parts, piece]);
      parts = [];
      partBytes = 0;
      start = end + 1;
      const entry = readLine(line, bytes);
      lines.push(entry);
      waiters.get(key(entry.id))?.(entry);
    }
    if (start < chunk.length) {
      // Only the ends of a large line are needed.
      const rest = chunk.subarray(start);
      parts.push(partBytes > PARSED_LINE_BYTES ? Buffer.from(rest.subarray(-200)) : Buffer.from(rest));
      if (parts.length > 3 && partBytes > PARSED_LINE_BYTES) parts = [parts[0]!, ...parts.slice(-2)];
      partBytes += rest.length;
    }
  });

  let peak = 0;
  const sampler = setInterval(() => {
    readFile(`/proc/${pid}/status`, 'utf8')
      .then((status) => {
        const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        peak = Math.max(peak, kib / 1024);
      })
      .catch(() => undefined);
  }, 20);
  void exited.then(() => clearInterval(sampler));

  const write = (text: string) =>
    new Promise<void>((resolve) => {
      if (!child.stdin!.writable) {
        resolve();
        return;
      }
      child.stdin!.write(text, () => resolve());
    });
  const response = (id: string | number | null, timeoutMs = 20_000) => {
    const found = lines.find((line) => key(line.id) === key(id) && line.message?.method === undefined);
    if (found) return Promise.resolve(found);
    return new Promise<RawLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(key(id));
        reject(new Error(`no answer to ${key(id)} within ${timeoutMs} ms; stderr:\n${stderr}`));
      }, timeoutMs);
      waiters.set(key(id), (line) => {
        clearTimeout(timer);
        waiters.delete(key(id));
        resolve(line);
      });
    });
  };
  const agent: RawAgent = {
    child,
    pid,
    opsLog,
    auditLog,
    exited,
    write,
    send: (message) => write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`),
    response,
    lines,
    peakRssMiB: () => peak,
    stderr: () => stderr,
    ops: async () =>
      (await readFile(opsLog, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    async close(timeoutMs = 5000) {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
  await agent.send({
    id: 'init',
    method: 'initialize',
    params: {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'raw-e2e', version: '1' },
    },
  });
  await response('init').catch(async (error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  await agent.send({ method: 'notifications/initialized' });
  return agent;
}

function readLine(line: Buffer, bytes: number): RawLine {
  const head = line.subarray(0, 200).toString('utf8');
  if (bytes <= PARSED_LINE_BYTES) {
    const message = JSON.parse(line.toString('utf8')) as Record<string, unknown>;
    return { bytes, id: message.id as RawLine['id'], message, head };
  }
  const tail = line.subarray(-200).toString('utf8');
  const match = TAIL_ID.exec(tail);
  return { bytes, id: match ? (JSON.parse(match[1]!) as RawLine['id']) : undefined, head };
}
