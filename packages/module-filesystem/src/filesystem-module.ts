import {
  defineModule,
  fsToolError,
  isScopedFsTempName,
  LimitExceededError,
  structuredResult,
  ToolInputError,
  z,
} from '@scoped-mcp/core';
import { filesystemConfig } from './config.js';
import { type DirectoryPage, readDirectoryPage } from './directory-page.js';
import { checkFilesystemConfig, createFilesystemState } from './state.js';
import { decodeText } from './text.js';

// No name on disk is longer (NAME_MAX is 255 bytes); longer text cannot be a cursor or a useful prefix.
const nameText = z.string().max(255);

const listing = z.object({
  entries: z.array(z.string()).describe('Entry names on this page, sorted by Unicode code point.'),
  total: z
    .number()
    .int()
    .describe('Entries in the directory (those matching prefix, when given), all pages.'),
  truncated: z.boolean().describe('More entries follow this page.'),
  next_after: z
    .string()
    .optional()
    .describe('When truncated: pass it as `after` (same path and prefix) for the next page.'),
});

export default defineModule({
  name: 'filesystem',
  description:
    "Text files in the agent's own directory ({base_path}/agents/{agent_id}): read, list, write, delete. Paths cannot leave that directory, through '..', absolute paths or symlinks.",
  config: filesystemConfig,
  check: checkFilesystemConfig,
  setup: createFilesystemState,
  async teardown(state) {
    state.stopSweep();
    await state.tempSweep;
  },
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
        refuseTempName(target.relative);
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
        "List the entry names (files and subdirectories, sorted by code point) of a directory in your own directory. Paths are relative to your directory; omit the path or pass '' for your directory itself. A big directory comes in pages (5000 names by default): when the answer says it was cut, call again with `after` set to the last name you got, or narrow the listing with `prefix`.",
      input: z.strictObject({
        path: z
          .string()
          .default('')
          .describe(
            "Directory path relative to your directory; '' (the default) lists your directory itself.",
          ),
        after: nameText
          .optional()
          .describe('Only names after this one (the last name of the previous page, `next_after`).'),
        prefix: nameText
          .refine((prefix) => !prefix.includes('/'), {
            message:
              "prefix matches names inside the directory and cannot contain '/'; put directories in path",
          })
          .optional()
          .describe("Only names that start with this text, e.g. 'report-2024'."),
        limit: z
          .number()
          .int()
          .min(1)
          .optional()
          .describe(
            'Names per page, at most; the configured max_list_entries (5000 by default) is the most.',
          ),
      }),
      output: listing,
      annotations: { openWorldHint: false },
      async handler({ path, after, prefix, limit }, { state, signal, instance }) {
        const target = await state.scope.resolve(path);
        refuseTempName(target.relative);
        const name = shown(target.relative);
        const pageSize = Math.min(limit ?? state.maxListEntries, state.maxListEntries);
        let page: DirectoryPage;
        try {
          page = await readDirectoryPage(state.files.entries(target, { signal }), {
            after,
            prefix,
            limit: pageSize,
            hidden: isScopedFsTempName,
          });
        } catch (error) {
          throw fsToolError(error, target.relative, {
            ENOENT: `Directory not found: '${name}'`,
            ENOTDIR: `Path is not a directory: '${name}'`,
          });
        }
        const { entries, total, skipped, truncated } = page;
        const last = entries.at(-1);
        const value = {
          entries,
          total,
          truncated,
          ...(truncated && last !== undefined ? { next_after: last } : {}),
        };
        // The names stay the JSON array they always were; a cut page says so after it, in words.
        const names = JSON.stringify(entries);
        if (!truncated || last === undefined) return structuredResult(value, names);
        const capped =
          pageSize === state.maxListEntries ? `max_list_entries is ${pageSize}` : `limit ${pageSize}`;
        const matching = prefix === undefined ? 'entries' : `entries starting with ${JSON.stringify(prefix)}`;
        const next = JSON.stringify({ path, ...(prefix === undefined ? {} : { prefix }), after: last });
        return structuredResult(
          value,
          `${names}\nListing cut: entries ${skipped + 1}–${skipped + entries.length} of ${total} ${matching} (${capped}). ` +
            `Next page: call ${instance}_list_dir with ${next}. To narrow it, pass prefix (names starting with it).`,
        );
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
        refuseTempName(target.relative);
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
        refuseTempName(target.relative);
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

/**
 * Names of core's temp files (`.scoped-mcp-<16 hex>.tmp`) are refused by every tool, as they are hidden from
 * list_dir: such a file is a write in flight or the remains of a killed one, and the start-up sweep deletes
 * stale ones, so an agent must not be able to make, read or remove one by name.
 */
function refuseTempName(relative: string): void {
  const reserved = relative.split('/').find(isScopedFsTempName);
  if (reserved !== undefined) {
    throw new ToolInputError(
      `'${reserved}' is a name reserved for scoped-mcp's temporary files; use another name`,
    );
  }
}
