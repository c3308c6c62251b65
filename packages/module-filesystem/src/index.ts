export { default } from './filesystem-module.js';
export { type FilesystemConfig, filesystemConfig } from './config.js';
export type { FilesystemState } from './state.js';
