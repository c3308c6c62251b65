import { availableParallelism } from 'node:os';

/**
 * Test files run at once, in every project (vitest reads it per project; all must agree). Most of the
 * suite waits (child processes, Redis, timers) rather than computes, so at least two even on a two-core
 * machine, where vitest's default (cores - 1) would run one.
 */
export const maxWorkers = Math.max(2, availableParallelism() - 1);
