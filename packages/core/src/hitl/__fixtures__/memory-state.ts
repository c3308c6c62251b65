import { inProcessState } from '../../state/in-process.js';
import type { StateBackend } from '../../state/types.js';

export interface MemoryState {
  /** An in-process backend that claims to be shared, standing in for Redis: one instance is "the server". */
  readonly backend: StateBackend;
  /** Wall-clock ms as the HITL code sees it (Date.now stand-in). */
  now(): number;
  /** Moves both the TTL clock and the wall clock forward. */
  advance(ms: number): void;
}

export function memoryState(): MemoryState {
  let offset = 0;
  const start = Date.now();
  const inner = inProcessState({ now: () => offset });
  return {
    backend: { ...inner, kind: 'memory-shared', shared: true },
    now: () => start + offset,
    advance(ms) {
      offset += ms;
    },
  };
}

/** A backend whose every operation fails, as Redis does when it is down. */
export function brokenState(): StateBackend {
  const fail = async (): Promise<never> => {
    throw new Error('connect ECONNREFUSED 10.1.2.3:6379');
  };
  return {
    kind: 'broken',
    shared: true,
    slidingWindowHit: fail,
    setIfAbsent: fail,
    set: fail,
    get: fail,
    take: fail,
    delete: fail,
    keys: fail,
    close: async () => undefined,
  };
}
