export { agentKeyPrefix, agentState, DEFAULT_STATE_PREFIX } from './agent-state.js';
export { inProcessState } from './in-process.js';
export { escapeGlob, keyGlobMatcher } from './key-glob.js';
export { sanitizeKey, sanitizeKeyPart } from './key-sanitize.js';
export { type OpenStateBackendOptions, openStateBackend, REDIS_STATE_PACKAGE } from './open-state-backend.js';
export { STATE_KEYWORD, stateIncompatibility } from './state-compatibility.js';
export { STATE_UNAVAILABLE_MESSAGE, StateUnavailableError } from './state-errors.js';
export { defineStateBackendFactory, isStateBackendFactory } from './state-factory.js';
export {
  MAX_KEYS,
  STATE_BACKEND_FACTORY_BRAND,
  type SlidingWindowResult,
  type StateBackend,
  type StateBackendFactory,
  type StateBackendFactoryContext,
  type StateBackendFactoryDefinition,
  type StateBackendLog,
  type StateBackendPackageConfig,
} from './types.js';
export { checkWindowArgs, stateTtlMs } from './state-args.js';
