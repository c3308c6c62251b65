// Test fixture: a throwaway redis-server on a free loopback port. Tests only ever talk to 127.0.0.1.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect, createServer } from 'node:net';

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

export interface RedisServerHandle {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` (with `:password@` when one was set). */
  readonly url: string;
  /** SIGKILL: the server vanishes mid-run, as in a crash. */
  kill(): Promise<void>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server hangs (accepts nothing, answers nothing) and comes back. */
  pause(): void;
  resume(): void;
}

/** True when redis-server can run here. In CI (`CI` set) a missing server is a failure, never a skip. */
export function redisServerAvailable(): boolean {
  if (process.env.CI) return true;
  return spawnSync(REDIS_SERVER_BIN, ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startRedisServer(
  options: { port?: number; password?: string } = {},
): Promise<RedisServerHandle> {
  const port = options.port ?? (await freePort());
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  if (options.password) args.push('--requirepass', options.password);
  const child = spawn(REDIS_SERVER_BIN, args, { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined);
  await waitForPing(port, child);
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) {
      // A paused server would hold SIGTERM pending forever.
      child.kill('SIGCONT');
      child.kill(signal);
    }
    await exited;
  };
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}`,
    kill: () => end('SIGKILL'),
    stop: () => end('SIGTERM'),
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
  };
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`redis-server exited with code ${child.exitCode} (port ${port})`);
    if (await answersPing(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
}

/** Any RESP reply counts (a password-protected server answers -NOAUTH): the server is up. */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => finish(/^[+-]/.test(data.toString('latin1'))));
  });
}
