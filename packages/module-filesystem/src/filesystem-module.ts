import { defineModule, fsToolError, LimitExceededError, z } from '@scoped-mcp/core';
import { filesystemConfig } from './config.js';
import { sortByCodePoint } from './sort.js';
import { createFilesystemState } from './state.js';
import { decodeText } from './text.js';

export default defineModule({
  name: 'filesystem',
  description:
    "Text files in the agent's own directory ({base_path}/agents/{agent_id}): read, list, write, delete. Paths cannot leave that directory, through '..', absolute paths or symlinks.",
  config: filesystemConfig,
  setup: createFilesystemState,
  tools: (tool) => ({
    read_file: tool({
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
    }),
    list_dir: tool({
      mode: 'read',
      title: 'List a directory',
      description:
        "List the entry names (files and subdirectories, sorted) of a directory in your own directory. Paths are relative to your directory; omit the path or pass '' for your directory itself.",
      input: z.strictObject({
        path: z
          .string()
          .default('')
          .describe(
            "Directory path relative to your directory; '' (the default) lists your directory itself.",
          ),
      }),
      output: z.array(z.string()).describe('The entry names, sorted.'),
      annotations: { openWorldHint: false },
      async handler({ path }, { state }) {
        const target = await state.scope.resolve(path);
        const name = shown(target.relative);
        try {
          return sortByCodePoint(await state.files.readdir(target));
        } catch (error) {
          throw fsToolError(error, target.relative, {
            ENOENT: `Directory not found: '${name}'`,
            ENOTDIR: `Path is not a directory: '${name}'`,
          });
        }
      },
    }),
    write_file: tool({
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
    }),
    delete_file: tool({
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
    }),
  }),
});

/** How a validated path appears in messages: relative to the agent's directory, '.' for the directory itself. */
function shown(relative: string): string {
  return relative === '' ? '.' : relative;
}
