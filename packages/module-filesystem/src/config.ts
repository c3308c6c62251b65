import { z } from '@scoped-mcp/core';

const MIB = 1024 * 1024;

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
});

export type FilesystemConfig = z.output<typeof filesystemConfig>;
