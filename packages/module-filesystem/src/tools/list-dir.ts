import { fsToolError, z } from '@scoped-mcp/core';
import { sortByCodePoint } from '../sort.js';
import { filesystemTool, shown } from '../tool.js';

export const listDir = filesystemTool({
  mode: 'read',
  title: 'List a directory',
  description:
    "List the entry names (files and subdirectories, sorted) of a directory in your own directory. Paths are relative to your directory; omit the path or pass '' for your directory itself.",
  input: z.strictObject({
    path: z
      .string()
      .default('')
      .describe("Directory path relative to your directory; '' (the default) lists your directory itself."),
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
});
