import type { RedisOptions } from 'ioredis';

/** Upper bound on one command's round trip: a guardrail check must fail fast, never hang, while Redis is away. */
export const COMMAND_TIMEOUT_MS = 1000;

/**
 * Fail fast, recover by itself: no offline queue and no per-request retries, so a call made while Redis
 * is down is refused at once (the caller fails closed); reconnection runs in the background every ≤1 s.
 * Commands cut off by a dropped connection are not re-sent: a window hit must never count twice.
 */
export function clientOptions(): RedisOptions {
  return {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: COMMAND_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
    connectionName: 'scoped-mcp',
  };
}
