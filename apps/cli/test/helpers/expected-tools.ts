/** The tool names each example manifest must give, read tools first within each module. */
export const STATUS_TOOL = 'scoped_mcp_status';

export const RESEARCH_READ_TOOLS = [
  'filesystem_read_file',
  'filesystem_list_dir',
  'sqlite_query',
  'sqlite_list_tables',
] as const;

export const BUILD_WRITE_TOOLS = [
  'filesystem_write_file',
  'filesystem_delete_file',
  'sqlite_execute',
  'sqlite_create_table',
] as const;

export const BUILD_TOOLS = [...RESEARCH_READ_TOOLS, ...BUILD_WRITE_TOOLS] as const;

export const sorted = (names: Iterable<string>): string[] => [...names].sort();
