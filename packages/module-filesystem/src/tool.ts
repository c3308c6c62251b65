import { toolFactory } from '@scoped-mcp/core';
import type { FilesystemConfig } from './config.js';
import type { FilesystemState } from './state.js';

/** defineTool with this module's config and state types bound. */
export const filesystemTool = toolFactory<FilesystemConfig, FilesystemState>();

/** How a validated path appears in messages: relative to the agent's directory, '.' for the directory itself. */
export function shown(relative: string): string {
  return relative === '' ? '.' : relative;
}
