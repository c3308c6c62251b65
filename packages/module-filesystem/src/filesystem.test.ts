import { mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readErrorMeta } from '@scoped-mcp/core';
import {
  checkModule,
  createModuleHarness,
  type HarnessOptions,
  type ModuleHarness,
} from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import filesystem from './index.js';

let tmp: string;
let base: string;
let root: string;
const open: ModuleHarness[] = [];

async function harness(options: HarnessOptions = {}): Promise<ModuleHarness> {
  const h = await createModuleHarness(filesystem, {
    config: { base_path: base },
    agentId: 'agent-a',
    ...options,
  });
  open.push(h);
  return h;
}

beforeEach(async () => {
  tmp = await realpath(await mkdtemp(join(tmpdir(), 'fs-functional-')));
  base = join(tmp, 'base');
  root = join(base, 'agents', 'agent-a');
});

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('filesystem module', () => {
  it('creates the agent directory with mode 0700 at setup', async () => {
    await harness();
    expect((await stat(root)).mode & 0o777).toBe(0o700);
  });

  it('registers all four tools, and only read_file and list_dir in read mode', async () => {
    expect([...(await harness()).toolNames].sort()).toEqual([
      'filesystem_delete_file',
      'filesystem_list_dir',
      'filesystem_read_file',
      'filesystem_write_file',
    ]);
    const reader = await harness({ mode: 'read' });
    expect([...reader.toolNames].sort()).toEqual(['filesystem_list_dir', 'filesystem_read_file']);
    const denied = await reader
      .call('filesystem_write_file', { path: 'x', content: 'y' })
      .catch((e: Error) => e);
    expect(denied instanceof Error || denied.isError).toBe(true);
  });

  it('round-trips write, read, list and delete', async () => {
    const h = await harness();
    const w = await h.call('write_file', { path: 'notes/today.md', content: '# hello\n' });
    expect(w.isError).toBe(false);
    expect(w.json()).toBe(true);
    expect(await readFile(join(root, 'notes/today.md'), 'utf8')).toBe('# hello\n');
    expect((await h.call('read_file', { path: 'notes/today.md' })).text).toBe('# hello\n');
    expect((await h.call('list_dir', {})).json()).toEqual(['notes']);
    expect((await h.call('list_dir', { path: 'notes' })).json()).toEqual(['today.md']);
    expect((await h.call('write_file', { path: 'notes/today.md', content: 'v2' })).isError).toBe(false);
    expect((await h.call('read_file', { path: 'notes/today.md' })).text).toBe('v2');
    expect((await h.call('delete_file', { path: 'notes/today.md' })).json()).toBe(true);
    expect((await h.call('list_dir', { path: 'notes' })).json()).toEqual([]);
    expect(h.audit.filter((r) => r.event === 'tool_call').length).toBe(8);
  });

  it('accepts absolute paths inside the agent directory', async () => {
    const h = await harness();
    expect((await h.call('write_file', { path: `${root}/abs.txt`, content: 'a' })).isError).toBe(false);
    expect((await h.call('read_file', { path: 'abs.txt' })).text).toBe('a');
  });

  it('lists names sorted by code point, without trailing slashes, hidden files included', async () => {
    const h = await harness();
    for (const name of ['b.txt', 'a.txt', '.hidden', 'Z.txt', '\u{1F600}.txt', '\uFF41.txt']) {
      await writeFile(join(root, name), 'x');
    }
    await mkdir(join(root, 'dir'));
    expect((await h.call('list_dir', { path: '' })).json()).toEqual([
      '.hidden',
      'Z.txt',
      'a.txt',
      'b.txt',
      'dir',
      '\uFF41.txt',
      '\u{1F600}.txt',
    ]);
    expect((await h.call('list_dir', { path: '.' })).json()).toHaveLength(7);
    expect((await h.call('list_dir', { path: '/' })).json()).toHaveLength(7);
  });

  it('treats NFC and NFD spellings of a name as the same file', async () => {
    const h = await harness();
    await h.call('write_file', { path: 'cafe\u0301.txt', content: 'nfd' });
    expect((await h.call('read_file', { path: 'caf\u00e9.txt' })).text).toBe('nfd');
    expect((await h.call('list_dir', {})).json()).toEqual(['caf\u00e9.txt']);
  });

  it('follows a symlink that stays inside the agent directory', async () => {
    const h = await harness();
    await mkdir(join(root, 'real'), { recursive: true });
    await writeFile(join(root, 'real', 'f.txt'), 'inside');
    await symlink('real', join(root, 'alias'));
    expect((await h.call('read_file', { path: 'alias/f.txt' })).text).toBe('inside');
    expect((await h.call('list_dir', { path: 'alias' })).json()).toEqual(['f.txt']);
    // delete removes the link entry, not the file it points to
    await symlink('real/f.txt', join(root, 'f-link'));
    expect((await h.call('delete_file', { path: 'f-link' })).json()).toBe(true);
    expect(await readFile(join(root, 'real', 'f.txt'), 'utf8')).toBe('inside');
  });

  describe('size caps', () => {
    it('refuses a file over max_read_bytes, naming size and cap', async () => {
      const h = await harness({ config: { base_path: base, max_read_bytes: 10 } });
      await writeFile(join(root, 'big.txt'), 'x'.repeat(11));
      await writeFile(join(root, 'fits.txt'), 'x'.repeat(10));
      const r = await h.call('read_file', { path: 'big.txt' });
      expect(r.isError).toBe(true);
      expect(r.text).toBe("File 'big.txt' is 11 bytes; reads are limited to 10 bytes");
      expect(h.audit.at(-1)).toMatchObject({ event: 'tool_error', error_code: 'SMCP_LIMIT_EXCEEDED' });
      expect(readErrorMeta(r.raw)).toEqual({
        code: 'SMCP_LIMIT_EXCEEDED',
        limit: { name: 'max_read_bytes', value: 10 },
      });
      expect((await h.call('read_file', { path: 'fits.txt' })).text).toBe('x'.repeat(10));
    });

    it('refuses content over max_write_bytes counted in UTF-8 bytes, and writes nothing', async () => {
      const h = await harness({ config: { base_path: base, max_write_bytes: 4 } });
      const r = await h.call('write_file', { path: 'e.txt', content: 'ééé' });
      expect(r.isError).toBe(true);
      expect(r.text).toBe('Content is 6 bytes; write_file accepts at most 4 bytes');
      expect(readErrorMeta(r.raw)).toEqual({
        code: 'SMCP_LIMIT_EXCEEDED',
        limit: { name: 'max_write_bytes', value: 4 },
      });
      expect((await h.call('list_dir', {})).json()).toEqual([]);
      expect((await h.call('write_file', { path: 'e.txt', content: 'éé' })).isError).toBe(false);
    });

    it('defaults both caps to 1 MiB', async () => {
      const h = await harness();
      await writeFile(join(root, 'mib.txt'), 'x'.repeat(1024 * 1024));
      await writeFile(join(root, 'over.txt'), 'x'.repeat(1024 * 1024 + 1));
      expect((await h.call('read_file', { path: 'mib.txt' })).isError).toBe(false);
      expect((await h.call('read_file', { path: 'over.txt' })).isError).toBe(true);
      expect((await h.call('write_file', { path: 'w', content: 'x'.repeat(1024 * 1024 + 1) })).isError).toBe(
        true,
      );
    });
  });

  describe('binary files', () => {
    it.each([
      ['a NUL byte', Buffer.from('text\0more')],
      ['invalid UTF-8', Buffer.from([0x61, 0xff, 0xfe, 0x62])],
      ['a truncated UTF-8 sequence', Buffer.from([0x61, 0xe2, 0x82])],
      ['a PNG header', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])],
    ])('refuses content with %s', async (_what, bytes) => {
      const h = await harness();
      await writeFile(join(root, 'bin.dat'), bytes);
      const r = await h.call('read_file', { path: 'bin.dat' });
      expect(r.isError).toBe(true);
      expect(r.text).toBe("'bin.dat' is a binary file; only UTF-8 text can be read");
    });

    it('reads UTF-8 text with multi-byte characters and keeps a BOM', async () => {
      const h = await harness();
      await writeFile(join(root, 'u.txt'), '\uFEFFgrüße 😀');
      expect((await h.call('read_file', { path: 'u.txt' })).text).toBe('\uFEFFgrüße 😀');
      expect((await h.call('read_file', { path: 'u.txt' })).isError).toBe(false);
    });

    it('reads an empty file as an empty string', async () => {
      const h = await harness();
      await writeFile(join(root, 'empty.txt'), '');
      const r = await h.call('read_file', { path: 'empty.txt' });
      expect(r.isError).toBe(false);
      expect(r.text).toBe('');
    });
  });

  describe('errors the agent sees', () => {
    it.each([
      ['read_file', { path: 'missing.txt' }, 'File not found: missing.txt'],
      ['read_file', { path: 'no/such/dir.txt' }, 'File not found: no/such/dir.txt'],
      ['read_file', { path: 'd' }, "Path is a directory, not a file: 'd'; use list_dir to see its entries"],
      ['read_file', { path: '' }, "Path is a directory, not a file: '.'; use list_dir to see its entries"],
      ['read_file', { path: 'f.txt/x' }, 'File not found: f.txt/x'],
      ['list_dir', { path: 'nope' }, "Directory not found: 'nope'"],
      ['list_dir', { path: 'f.txt' }, "Path is not a directory: 'f.txt'"],
      ['write_file', { path: 'd', content: 'x' }, "Path is a directory; cannot replace it with a file: 'd'"],
      [
        'write_file',
        { path: '', content: 'x' },
        "Cannot write to your directory itself; give a file path such as 'notes.txt'",
      ],
      [
        'write_file',
        { path: 'f.txt/child', content: 'x' },
        "Cannot create 'f.txt/child': part of its parent path is a file, not a directory",
      ],
      ['delete_file', { path: 'd' }, "Path is a directory; cannot delete with delete_file: 'd'"],
      ['delete_file', { path: '' }, "Path is a directory; cannot delete with delete_file: '.'"],
      ['delete_file', { path: 'missing.txt' }, 'File not found: missing.txt'],
      ['read_file', { path: '../x' }, "Path '../x' is outside the agent's directory"],
    ])('%s %j → %s', async (tool, args, message) => {
      const h = await harness();
      await mkdir(join(root, 'd'));
      await writeFile(join(root, 'f.txt'), 'file');
      const r = await h.call(tool, args);
      expect(r.isError).toBe(true);
      expect(r.text).toBe(message);
      expect(r.text).not.toContain(tmp);
      expect(h.ops.filter((o) => o.event === 'tool_failed_unexpectedly')).toEqual([]);
    });

    it('names no host path in any error, audit error field or argument error', async () => {
      const h = await harness();
      await symlink(join(tmp, 'elsewhere'), join(root, 'out'));
      const calls: [string, Record<string, unknown>][] = [
        ['read_file', { path: 'out/x' }],
        ['write_file', { path: 'out/x', content: 'x' }],
        ['list_dir', { path: 'out' }],
        ['delete_file', { path: 'out' }],
        ['read_file', {}],
        ['read_file', { path: 'x', extra: 1 }],
        ['write_file', { path: 'x' }],
      ];
      for (const [tool, args] of calls) {
        const r = await h.call(tool, args);
        expect(r.isError, tool).toBe(true);
        expect(r.text).not.toContain(tmp);
      }
      expect(JSON.stringify(h.audit)).not.toContain(tmp);
    });
  });

  describe('config', () => {
    it('resolves a relative base_path against the manifest directory, not the cwd', async () => {
      await harness({ config: { base_path: 'data' }, manifestDir: tmp });
      expect((await stat(join(tmp, 'data', 'agents', 'agent-a'))).isDirectory()).toBe(true);
    });

    it.each([
      [{}, /base_path/],
      [{ base_path: '' }, /base_path/],
      [{ base_path: '/x', unknown: 1 }, /unknown/],
      [{ base_path: '/x', max_read_bytes: 0 }, /max_read_bytes/],
      [{ base_path: '/x', max_write_bytes: 1.5 }, /max_write_bytes/],
    ])('rejects config %j', async (config, pattern) => {
      await expect(createModuleHarness(filesystem, { config })).rejects.toThrow(pattern);
    });

    it('refuses at setup a max_write_bytes that no message can carry, naming both fields', async () => {
      const limits = { max_message_bytes: 65_536 };
      await expect(
        createModuleHarness(filesystem, { config: { base_path: base, max_write_bytes: 65_536 }, limits }),
      ).rejects.toThrow(
        'filesystem: config max_write_bytes (65536) must be smaller than limits.max_message_bytes (65536), the largest message a write_file call can arrive in',
      );
      await expect(
        createModuleHarness(filesystem, { config: { base_path: base, max_write_bytes: 16 * 1024 * 1024 } }),
      ).rejects.toThrow(
        /max_write_bytes \(16777216\) must be smaller than limits\.max_message_bytes \(10485760\)/,
      );
      const fits = await harness({ config: { base_path: base, max_write_bytes: 65_535 }, limits });
      expect((await fits.call('write_file', { path: 'a.txt', content: 'x' })).isError).toBe(false);
    });

    it('declares no credentials', () => {
      expect(filesystem.credentials).toBeUndefined();
    });
  });
});

// `scoped-mcp validate` runs check instead of setup: what setup would refuse, found without creating anything.
describe('check', () => {
  it('finds nothing wrong with a base_path that can be created, and creates nothing', async () => {
    expect(await checkModule(filesystem, { config: { base_path: base } })).toEqual([]);
    expect(await checkModule(filesystem, { config: { base_path: 'rel' }, manifestDir: tmp })).toEqual([]);
    await expect(stat(base)).rejects.toThrow(/ENOENT/);
  });

  it('names base_path when a file stands where a directory must be created', async () => {
    await writeFile(join(tmp, 'taken'), 'a file');
    expect(await checkModule(filesystem, { config: { base_path: 'taken/data' }, manifestDir: tmp })).toEqual([
      `config base_path: '${join(tmp, 'taken', 'data', 'agents')}' cannot be created: '${join(tmp, 'taken')}' is a file, not a directory (fix: choose another directory, or move that file away)`,
    ]);
  });

  it('reports the write cap setup would refuse', async () => {
    const problems = await checkModule(filesystem, {
      config: { base_path: base, max_write_bytes: 65_536 },
      limits: { max_message_bytes: 65_536 },
    });
    expect(problems).toEqual([
      'config max_write_bytes (65536) must be smaller than limits.max_message_bytes (65536), the largest message a write_file call can arrive in',
    ]);
  });
});
