// A proxy process that dies while its database process runs a statement that never ends. Run by
// database-process.test.ts with the source-mode Node options (server-entry.ts), so it can load the
// package's TypeScript; prints the database process's pid, then waits to be killed.
//   orphan-parent.mjs <db_dir> database-process   through DatabaseProcess (parent-death signal, Linux)
//   orphan-parent.mjs <db_dir> watch-parent       the database server alone, told to watch its parent
import { fork } from 'node:child_process';

const [dbDir, how] = process.argv.slice(2);
const RUNAWAY = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c';
const MIB = 1024 * 1024;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

if (how === 'database-process') {
  const { DatabaseProcess } = await import('../database-process.ts');
  const database = await DatabaseProcess.start({
    dbDir,
    agentId: 'orphan',
    limits: { maxRows: 10, maxBytes: MIB },
    busyTimeoutMs: 1000,
    journalMode: 'wal',
    statementTimeoutMs: 3_600_000,
    maxDbBytes: 256 * MIB,
    maxMemoryBytes: 256 * MIB,
    refusedKinds: ['DROP', 'VACUUM'],
    executeTool: 'sqlite_execute',
    log: silent,
  });
  await database.opened();
  void database.query(RUNAWAY, undefined);
  process.stdout.write(`${database.pid}\n`);
} else {
  const { SERVER_ENTRY } = await import('../server-entry.ts');
  const { prepareAgentFile } = await import('../storage.ts');
  const file = await prepareAgentFile(dbDir, 'orphan', silent);
  const child = fork(SERVER_ENTRY.path, ['--watch-parent'], {
    execArgv: [...SERVER_ENTRY.nodeArgv],
    env: {},
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  child.send({
    type: 'open',
    settings: {
      ...file,
      limits: { maxRows: 10, maxBytes: MIB },
      busyTimeoutMs: 1000,
      journalMode: 'wal',
      maxDbBytes: 256 * MIB,
      maxMemoryBytes: 256 * MIB,
      refusedKinds: ['DROP', 'VACUUM'],
      executeTool: 'sqlite_execute',
    },
  });
  child.once('message', () => {
    child.send({ type: 'request', id: 1, op: 'query', sql: RUNAWAY });
    process.stdout.write(`${child.pid}\n`);
  });
}
// Keeps this process alive until the test kills it.
setInterval(() => {}, 1000);
