import { fsToolError, LimitExceededError, z } from '@scoped-mcp/core';
import { filesystemTool, shown } from '../tool.js';

export const writeFile = filesystemTool({
  mode: 'write',
  title: 'Write a text file',
  description:
    "Write UTF-8 text to a file in your own directory, creating missing parent directories and replacing any existing file. Paths are relative to your directory (e.g. 'notes/todo.md'); you cannot write outside it. Content over the configured size limit is refused.",
  input: z.strictObject({
    path: z.string().describe("File path relative to your directory, e.g. 'notes/todo.md'."),
    content: z.string().describe('The complete new content of the file (UTF-8 text).'),
  }),
  output: z.literal(true).describe('The file was written.'),
  annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: false },
  async handler({ path, content }, { state }) {
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes > state.maxWriteBytes) {
      throw new LimitExceededError(
        `Content is ${bytes} bytes; write_file accepts at most ${state.maxWriteBytes} bytes`,
        { name: 'max_write_bytes', value: state.maxWriteBytes },
      );
    }
    const target = await state.scope.resolve(path);
    const name = shown(target.relative);
    try {
      await state.files.writeFile(target, content);
    } catch (error) {
      throw fsToolError(error, target.relative, {
        EISDIR:
          target.relative === ''
            ? "Cannot write to your directory itself; give a file path such as 'notes.txt'"
            : `Path is a directory; cannot replace it with a file: '${name}'`,
        ENOTDIR: `Cannot create '${name}': part of its parent path is a file, not a directory`,
      });
    }
    return true;
  },
});
