export { type AgentDatabase, agentDbFileName } from './agent-database.js';
export { DB_PATH_REMOVED, type SqliteConfig, sqliteConfig } from './config.js';
export { default } from './sqlite-module.js';
