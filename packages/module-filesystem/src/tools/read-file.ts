import { fsToolError, z } from '@scoped-mcp/core';
import { decodeText } from '../text.js';
import { filesystemTool, shown } from '../tool.js';

export const readFile = filesystemTool({
  mode: 'read',
  title: 'Read a text file',
  description:
    "Read a UTF-8 text file from your own directory and return its content. Paths are relative to your directory (e.g. 'notes/todo.md'); you cannot reach files outside it. Binary files and files over the configured size limit are refused.",
  input: z.strictObject({
    path: z.string().describe("File path relative to your directory, e.g. 'notes/todo.md'."),
  }),
  output: z.string().describe("The file's text."),
  annotations: { openWorldHint: false },
  async handler({ path }, { state }) {
    // Validated without I/O; readFileAt resolves and reads in one (a symlink-free path in three fs hops).
    const target = state.scope.lexical(path);
    const name = shown(target.relative);
    let bytes: Buffer;
    try {
      bytes = await state.files.readFileAt(target, {
        maxBytes: state.maxReadBytes,
        maxBytesName: 'max_read_bytes',
      });
    } catch (error) {
      throw fsToolError(error, target.relative, {
        ENOENT: `File not found: ${name}`,
        ENOTDIR: `File not found: ${name}`,
        EISDIR: `Path is a directory, not a file: '${name}'; use list_dir to see its entries`,
      });
    }
    return decodeText(bytes, name);
  },
});
