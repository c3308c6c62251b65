export { default } from './ntfy-module.js';
export { clampPriority, type NtfyConfig, ntfyConfig, PRIORITIES, type Priority } from './config.js';
export { headerValue } from './ntfy-publisher.js';
