import { defineModule } from '@scoped-mcp/core';
import { filesystemConfig } from './config.js';
import { createFilesystemState } from './state.js';
import { deleteFile } from './tools/delete-file.js';
import { listDir } from './tools/list-dir.js';
import { readFile } from './tools/read-file.js';
import { writeFile } from './tools/write-file.js';

export default defineModule({
  name: 'filesystem',
  description:
    "Text files in the agent's own directory ({base_path}/agents/{agent_id}): read, list, write, delete. Paths cannot leave that directory, through '..', absolute paths or symlinks.",
  config: filesystemConfig,
  credentials: { required: [], optional: [] },
  setup: createFilesystemState,
  tools: {
    read_file: readFile,
    list_dir: listDir,
    write_file: writeFile,
    delete_file: deleteFile,
  },
});
