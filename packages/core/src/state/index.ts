export {
  agentKeyPrefix,
  agentState,
  DEFAULT_STATE_PREFIX,
  escapeGlob,
  sanitizeKey,
  sanitizeKeyPart,
} from './agent-state.js';
export { inProcessState } from './in-process.js';
export {
  checkWindowArgs,
  defineStateBackendFactory,
  isStateBackendFactory,
  keyGlobMatcher,
  MAX_KEYS,
  STATE_BACKEND_FACTORY_BRAND,
  STATE_KEYWORD,
  type SlidingWindowResult,
  type StateBackend,
  type StateBackendFactory,
  type StateBackendFactoryContext,
  type StateBackendFactoryDefinition,
  type StateBackendLog,
  type StateBackendPackageConfig,
  stateTtlMs,
} from './types.js';
