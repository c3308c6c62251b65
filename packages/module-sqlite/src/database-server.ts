// The database process: it owns the agent's connections so that the proxy process can stop any statement,
// however long it runs or however much it allocates, by killing this process. Started by ServerProcess
// (server-process.ts) with an IPC channel and no stdout; every guard runs here exactly as it would
// in-process, because it is the same AgentDatabase.
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { AgentDatabase } from './agent-database.js';
import {
  type DatabaseRequest,
  type DatabaseSettings,
  type ToProxy,
  type ToServer,
  toWireError,
} from './database-protocol.js';

/**
 * Where the kernel cannot be asked to kill this process with its parent (Linux's parent-death signal,
 * which server-process.ts sets through setpriv), a worker thread watches instead: the IPC channel's
 * 'disconnect' only ends this process once the main thread is free, and a statement running when the
 * proxy was killed would keep it busy. The worker is not blocked by the statement; it notices the new
 * parent (the proxy's death re-parents this process) and kills the whole process. It costs a second V8
 * isolate, which is why it is the fallback.
 */
function watchParent(): Promise<void> {
  const watcher = new Worker(
    `const { workerData } = require('node:worker_threads');
     setInterval(() => { if (process.ppid !== workerData) process.kill(process.pid, 'SIGKILL'); }, 250);`,
    { eval: true, workerData: process.ppid },
  );
  watcher.unref();
  return new Promise((resolve) => watcher.once('online', () => resolve()));
}

/** Memory mapped for data (VmData) now that the database is open; the memory limit is set above it. */
function footprintBytes(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const line = /^VmData:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return line?.[1] === undefined ? undefined : Number(line[1]) * 1024;
}

function send(message: ToProxy): void {
  if (process.connected) process.send?.(message);
}

function serve(db: AgentDatabase, request: DatabaseRequest): unknown {
  switch (request.op) {
    case 'query':
      return db.query(request.sql, request.params);
    case 'execute':
      return db.execute(request.sql, request.params);
    case 'listTables':
      return db.listTables();
    case 'createTable':
      db.createTable(request.name, request.columns);
      return true;
  }
}

let database: AgentDatabase | undefined;
// Started before anything else, and waited for before the footprint is measured: a worker's isolate
// reserves its own address space.
const watching = process.argv.includes('--watch-parent') ? watchParent() : Promise.resolve();

process.on('disconnect', () => {
  database?.close();
  process.exit(0);
});

async function openAgentDatabase(settings: DatabaseSettings): Promise<void> {
  try {
    database = AgentDatabase.open(settings);
    const over = database.bytesOverLimit();
    await watching;
    send({ type: 'ready', footprintBytes: footprintBytes(), overLimitBytes: over > 0 ? over : undefined });
  } catch (error) {
    send({ type: 'failed', error: toWireError(error) });
  }
}

process.on('message', (message: ToServer) => {
  if (message.type === 'open') {
    void openAgentDatabase(message.settings);
    return;
  }
  try {
    if (database === undefined) throw new Error('request before the database was opened');
    send({ type: 'reply', id: message.id, ok: true, value: serve(database, message) });
  } catch (error) {
    send({ type: 'reply', id: message.id, ok: false, error: toWireError(error) });
  }
});
