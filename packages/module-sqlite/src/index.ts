export { DB_PATH_REMOVED, type SqliteConfig, sqliteConfig } from './config.js';
export type { DatabaseProcess } from './database-process.js';
export { default } from './sqlite-module.js';
export { agentDbFileName } from './storage.js';
