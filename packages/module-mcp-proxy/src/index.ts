export { default, type McpProxyState } from './proxy-module.js';
export { type McpProxyConfig, mcpProxyConfig } from './config.js';
export { normaliseToolName } from './tool-names.js';
export { recordUpstreamPins } from './pins-command.js';
export {
  definitionHash,
  lockPathFor,
  PIN_LOCK_VERSION,
  type PinLock,
  type PinnedDefinition,
  pinnedDefinition,
  readPinLock,
} from './pins.js';
