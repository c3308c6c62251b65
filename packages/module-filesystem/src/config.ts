import { z } from '@scoped-mcp/core';

const MIB = 1024 * 1024;
// A page of 100,000 names of 255 bytes would already be a 50 MB answer; a larger cap bounds nothing.
const MAX_LIST_ENTRIES = 100_000;

export const filesystemConfig = z.strictObject({
  base_path: z
    .string()
    .min(1, "filesystem module requires 'base_path' in config")
    .describe(
      "Directory holding every agent's files; each agent gets {base_path}/agents/{agent_id}. Relative to the manifest.",
    ),
  max_read_bytes: z
    .number()
    .int()
    .positive()
    .default(MIB)
    .describe('Largest file read_file returns, in bytes (default 1 MiB).'),
  max_write_bytes: z
    .number()
    .int()
    .positive()
    .default(MIB)
    .describe('Largest content write_file accepts, in UTF-8 bytes (default 1 MiB).'),
  max_list_entries: z
    .number()
    .int()
    .min(1)
    .max(MAX_LIST_ENTRIES)
    .default(5000)
    .describe(
      `Most names list_dir returns in one answer (default 5000, at most ${MAX_LIST_ENTRIES}); the agent pages through bigger directories.`,
    ),
});

export type FilesystemConfig = z.output<typeof filesystemConfig>;
