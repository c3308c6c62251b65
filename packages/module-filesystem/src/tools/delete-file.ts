import { fsToolError, z } from '@scoped-mcp/core';
import { filesystemTool, shown } from '../tool.js';

export const deleteFile = filesystemTool({
  mode: 'write',
  title: 'Delete a file',
  description:
    'Delete one file in your own directory (directories are refused). Paths are relative to your directory; you cannot delete anything outside it.',
  input: z.strictObject({
    path: z.string().describe("File path relative to your directory, e.g. 'notes/old.md'."),
  }),
  output: z.literal(true).describe('The file was deleted.'),
  annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async handler({ path }, { state }) {
    // The leaf is not followed: deleting an in-scope symlink removes the link, never what it points to.
    const target = await state.scope.resolve(path, { followLeaf: false });
    const name = shown(target.relative);
    try {
      await state.files.unlink(target);
    } catch (error) {
      throw fsToolError(error, target.relative, {
        ENOENT: `File not found: ${name}`,
        ENOTDIR: `File not found: ${name}`,
        EISDIR: `Path is a directory; cannot delete with delete_file: '${name}'`,
      });
    }
    return true;
  },
});
