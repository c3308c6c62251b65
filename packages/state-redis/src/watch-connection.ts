import type { StateBackendLog } from '@scoped-mcp/core';
import type { Redis } from 'ioredis';

export interface ConnectionWatch {
  /** Resolves once connected, or after `timeoutMs` (then calls fail closed until the server answers). */
  firstReady(timeoutMs: number): Promise<void>;
  stop(): void;
}

/**
 * Logs outages once each (not once per reconnect attempt) and their end. Always listening on 'error' also
 * keeps ioredis from printing unhandled errors itself. Only the redacted URL and scrubbed messages are logged.
 */
export function watchConnection(
  client: Redis,
  options: { url: string; scrub: (text: string) => string; log?: StateBackendLog | undefined },
): ConnectionWatch {
  const { url, scrub, log } = options;
  let down = false;
  let stopped = false;

  const markDown = (reason: string) => {
    if (stopped || down) return;
    down = true;
    log?.warn({ url, error: scrub(reason) }, 'state_backend_unavailable');
  };
  client.on('error', (error: Error) => markDown(error.message));
  client.on('close', () => markDown('connection closed'));
  client.on('ready', () => {
    if (down && !stopped) log?.info({ url }, 'state_backend_recovered');
    down = false;
  });

  return {
    firstReady(timeoutMs) {
      if (client.status === 'ready') return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          client.off('ready', done);
          resolve();
        };
        const timer = setTimeout(() => {
          markDown(`no connection within ${timeoutMs} ms of startup`);
          done();
        }, timeoutMs);
        client.on('ready', done);
      });
    },
    stop() {
      stopped = true;
    },
  };
}
