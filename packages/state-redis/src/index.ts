import { defineStateBackendFactory } from '@scoped-mcp/core';
import { createRedisState } from './redis-state.js';

export { redactRedisUrl } from './redact-url.js';
export { createRedisState, RedisStateError } from './redis-state.js';

/** Loaded by core for `state_backend.type: redis` (and the reference's `dragonfly`). */
export default defineStateBackendFactory({ type: 'redis', create: createRedisState });
