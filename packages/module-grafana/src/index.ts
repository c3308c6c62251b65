export { type GrafanaConfig, grafanaConfig } from './config.js';
export { default } from './grafana-module.js';
export type { GrafanaState } from './state.js';
