export { type InfluxdbConfig, influxdbConfig } from './config.js';
export { default } from './influxdb-module.js';
export type { InfluxdbState } from './state.js';
