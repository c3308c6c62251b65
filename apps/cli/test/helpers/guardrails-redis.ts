// The redis-server fixture belongs to @scoped-mcp/state-redis. It is imported by a computed URL so that this
// suite's typecheck (rootDir apps/cli) does not pull another package's source into its program.
const FIXTURE_URL = new URL(
  '../../../../packages/state-redis/src/__fixtures__/redis-server.ts',
  import.meta.url,
);

export interface RedisServerHandle {
  readonly port: number;
  /** `redis://[:password@]127.0.0.1:<port>` */
  readonly url: string;
  /** SIGKILL: the server vanishes mid-run, as in a crash. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

interface RedisFixture {
  redisServerAvailable(): boolean;
  /** A loopback port nothing listens on (at the time of asking). */
  freePort(): Promise<number>;
  startRedisServer(options?: { port?: number; password?: string }): Promise<RedisServerHandle>;
}

export async function loadRedisFixture(): Promise<RedisFixture> {
  return (await import(FIXTURE_URL.href)) as RedisFixture;
}
