import { toolFactory, z } from '@scoped-mcp/core';
import type { AgentDatabase } from './agent-database.js';
import type { SqliteConfig } from './config.js';

/** defineTool with this module's config and state types bound. */
export const sqliteTool = toolFactory<SqliteConfig, AgentDatabase>();

export const sqlText = z
  .string()
  .min(1)
  .max(1_000_000)
  // SQLite stops reading at a NUL; text after one would be silently ignored.
  .refine((sql) => !sql.includes('\0'), 'SQL must not contain NUL characters')
  .describe('Exactly one SQLite statement. Put values in params, not in the text.');
