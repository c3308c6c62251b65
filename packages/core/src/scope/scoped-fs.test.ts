import { execFileSync } from 'node:child_process';
import { watch, writeFileSync } from 'node:fs';
import {
  chmod,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isScopedMcpError, isScopeViolation } from '../errors/errors.js';
import { type PrefixScope, prefixScope, type ScopedPath } from './prefix-scope.js';
import {
  DirOpener,
  fsErrorCode,
  fsToolError,
  isScopedFsTempName,
  type ScopedFs,
  scopedFs,
} from './scoped-fs.js';

async function collect(names: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const name of names) all.push(name);
  return all;
}

const HOUR_AGO = new Date(Date.now() - 3_600_000);

let base: string;
let rootDir: string;
let outside: string;
let scope: PrefixScope;

/** Everything under `dir` as path → content ('<dir>' for directories, '-> target' for links). */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true })) {
    const full = join(dir, entry);
    const info = await lstat(full);
    result[entry] = info.isDirectory()
      ? '<dir>'
      : info.isSymbolicLink()
        ? '<link>'
        : await readFile(full, 'utf8');
  }
  return result;
}

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'scoped-fs-')));
  rootDir = join(base, 'root');
  outside = join(base, 'outside');
  await mkdir(join(outside, 'e'), { recursive: true });
  await writeFile(join(outside, 'f.txt'), 'outside secret');
  await writeFile(join(outside, 'e', 'f.txt'), 'outside secret e');
  scope = await prefixScope(rootDir);
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function caught(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error('expected a rejection');
  return error;
}

describe.each([
  ['/proc/self/fd pinning', undefined],
  ['portable checks', false],
] as const)('scopedFs with %s', (_mode, procFd) => {
  let sfs: ScopedFs;
  beforeEach(() => {
    sfs = scopedFs(scope, procFd === undefined ? {} : { procFd });
  });

  it('writes, reads, lists and deletes', async () => {
    await sfs.writeFile(await scope.resolve('a/b/c.txt'), 'hello');
    expect(await readFile(join(rootDir, 'a/b/c.txt'), 'utf8')).toBe('hello');
    expect((await stat(join(rootDir, 'a'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(rootDir, 'a/b/c.txt'))).mode & 0o777).toBe(0o600);
    expect((await sfs.readFile(await scope.resolve('a/b/c.txt'), { maxBytes: 100 })).toString()).toBe(
      'hello',
    );
    expect(await sfs.readdir(await scope.resolve('a/b'))).toEqual(['c.txt']);
    await sfs.unlink(await scope.resolve('a/b/c.txt', { followLeaf: false }));
    expect(await readdir(join(rootDir, 'a/b'))).toEqual([]);
  });

  it('overwrites in place, keeps the permission bits and leaves no temp file', async () => {
    await writeFile(join(rootDir, 'f.txt'), 'old');
    await chmod(join(rootDir, 'f.txt'), 0o640);
    await sfs.writeFile(await scope.resolve('f.txt'), new TextEncoder().encode('new'));
    expect(await readFile(join(rootDir, 'f.txt'), 'utf8')).toBe('new');
    expect((await stat(join(rootDir, 'f.txt'))).mode & 0o777).toBe(0o640);
    expect(await readdir(rootDir)).toEqual(['f.txt']);
  });

  it('refuses directories and the root where a file is expected', async () => {
    await mkdir(join(rootDir, 'd'));
    const codeOf = async (p: Promise<unknown>) => fsErrorCode(await caught(p));
    expect(await codeOf(sfs.readFile(await scope.resolve('d'), { maxBytes: 10 }))).toBe('EISDIR');
    expect(await codeOf(sfs.writeFile(await scope.resolve('d'), 'x'))).toBe('EISDIR');
    expect(await codeOf(sfs.writeFile(await scope.resolve(''), 'x'))).toBe('EISDIR');
    expect(await codeOf(sfs.unlink(await scope.resolve('d', { followLeaf: false })))).toBe('EISDIR');
    expect(await codeOf(sfs.unlink(await scope.resolve('', { followLeaf: false })))).toBe('EISDIR');
    expect(await readdir(rootDir)).toEqual(['d']);
  });

  it('reports missing files and non-directories by errno code', async () => {
    await writeFile(join(rootDir, 'file'), 'x');
    const codeOf = async (p: Promise<unknown>) => fsErrorCode(await caught(p));
    expect(await codeOf(sfs.readFile(await scope.resolve('missing'), { maxBytes: 10 }))).toBe('ENOENT');
    expect(await codeOf(sfs.readdir(await scope.resolve('missing')))).toBe('ENOENT');
    expect(await codeOf(sfs.readdir(await scope.resolve('file')))).toBe('ENOTDIR');
    expect(await codeOf(sfs.writeFile(await scope.resolve('file/x'), 'x'))).toBe('ENOTDIR');
    expect(await codeOf(sfs.unlink(await scope.resolve('missing', { followLeaf: false })))).toBe('ENOENT');
  });

  it('refuses a file over the read cap before reading it, and accepts one exactly at it', async () => {
    await writeFile(join(rootDir, 'big'), 'x'.repeat(11));
    await writeFile(join(rootDir, 'fits'), 'x'.repeat(10));
    const error = await caught(sfs.readFile(await scope.resolve('big'), { maxBytes: 10 }));
    expect(isScopedMcpError(error) && error.code).toBe('SMCP_LIMIT_EXCEEDED');
    expect(error.message).toBe("File 'big' is 11 bytes; reads are limited to 10 bytes");
    expect((await sfs.readFile(await scope.resolve('fits'), { maxBytes: 10 })).length).toBe(10);
    // Named as the module's config names it, the limit reaches the agent's program too.
    const named = await caught(
      sfs.readFile(await scope.resolve('big'), { maxBytes: 10, maxBytesName: 'max_read_bytes' }),
    );
    expect(isScopedMcpError(named) && named.details).toEqual({
      limit: { name: 'max_read_bytes', value: 10 },
    });
  });

  it('reads files larger than its first buffer', async () => {
    const content = 'y'.repeat(200_000);
    await writeFile(join(rootDir, 'large'), content);
    expect((await sfs.readFile(await scope.resolve('large'), { maxBytes: 300_000 })).toString()).toBe(
      content,
    );
  });

  it('refuses a FIFO without blocking', async () => {
    execFileSync('mkfifo', [join(rootDir, 'pipe')]);
    const error = await caught(sfs.readFile(await scope.resolve('pipe'), { maxBytes: 10 }));
    expect(error.message).toBe("Path 'pipe' is not a regular file");
  });

  it('unlinks a symlink, not its target', async () => {
    await writeFile(join(rootDir, 'target'), 'keep');
    await symlink('target', join(rootDir, 'link'));
    await sfs.unlink(await scope.resolve('link', { followLeaf: false }));
    expect(await readdir(rootDir)).toEqual(['target']);
  });

  it('writes through an in-scope symlink to its target', async () => {
    await mkdir(join(rootDir, 'real'));
    await symlink('real', join(rootDir, 'alias'));
    await sfs.writeFile(await scope.resolve('alias/n.txt'), 'via alias');
    expect(await readFile(join(rootDir, 'real/n.txt'), 'utf8')).toBe('via alias');
  });

  it('streams the entries of a directory of any size, in batches', async () => {
    await mkdir(join(rootDir, 'many'));
    // More than one batch of 1024; made synchronously, one thread-pool trip each would cost seconds on a busy disk.
    const names = Array.from({ length: 1500 }, (_, i) => `n${i}`);
    for (const name of names) writeFileSync(join(rootDir, 'many', name), '');
    expect((await collect(sfs.entries(await scope.resolve('many')))).sort()).toEqual(names.sort());
    const codeOf = async (p: Promise<unknown>) => fsErrorCode(await caught(p));
    await writeFile(join(rootDir, 'file'), 'x');
    expect(await codeOf(collect(sfs.entries(await scope.resolve('missing'))))).toBe('ENOENT');
    expect(await codeOf(collect(sfs.entries(await scope.resolve('file'))))).toBe('ENOTDIR');
    const stop = new AbortController();
    stop.abort(new Error('cancelled'));
    const cancelled = await caught(
      collect(sfs.entries(await scope.resolve('many'), { signal: stop.signal })),
    );
    expect(cancelled.message).toBe('cancelled');
  }, 30_000);

  it('names its temp files as isScopedFsTempName recognises them', async () => {
    const created: string[] = [];
    const watcher = watch(rootDir, (_event, name) => {
      if (name !== null && name !== 'f.txt') created.push(name);
    });
    try {
      // Large enough to be written in several chunks, so the watcher sees the temp file while it exists.
      await sfs.writeFile(await scope.resolve('f.txt'), 'x'.repeat(4 * 1024 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      watcher.close();
    }
    expect(created.length).toBeGreaterThan(0);
    for (const name of created) expect(isScopedFsTempName(name), name).toBe(true);
    expect(await readdir(rootDir)).toEqual(['f.txt']);
  });

  describe('removeStaleTempFiles', () => {
    const TEMP = '.scoped-mcp-0123456789abcdef.tmp';

    async function stale(path: string): Promise<void> {
      await writeFile(path, 'half a write');
      await utimes(path, HOUR_AGO, HOUR_AGO);
    }

    it('deletes stale temp files in the whole tree, and nothing else', async () => {
      await mkdir(join(rootDir, 'a/b'), { recursive: true });
      await stale(join(rootDir, TEMP));
      await stale(join(rootDir, 'a/b', TEMP));
      await writeFile(join(rootDir, 'a', TEMP), 'young: maybe a write in flight');
      await stale(join(rootDir, 'a/.scoped-mcp-0123456789abcdef.tmp~'));
      await stale(join(rootDir, 'a/.scoped-mcp-notes.tmp'));
      await stale(join(outside, TEMP));
      await symlink(outside, join(rootDir, 'out'));
      await symlink(join(outside, TEMP), join(rootDir, 'a/.scoped-mcp-fedcba9876543210.tmp'));
      const sweep = await sfs.removeStaleTempFiles({ olderThanMs: 60_000, maxEntries: 1000 });
      expect(sweep).toEqual({ removed: [TEMP, `a/b/${TEMP}`], entries: 9, complete: true });
      // (snapshot's readdir descends into the link `out`; what is outside is checked on its own below)
      const inside = Object.entries(await snapshot(rootDir)).filter(([path]) => !path.startsWith('out/'));
      expect(Object.fromEntries(inside)).toEqual({
        a: '<dir>',
        'a/b': '<dir>',
        [`a/${TEMP}`]: 'young: maybe a write in flight',
        'a/.scoped-mcp-0123456789abcdef.tmp~': 'half a write',
        'a/.scoped-mcp-notes.tmp': 'half a write',
        'a/.scoped-mcp-fedcba9876543210.tmp': '<link>',
        out: '<link>',
      });
      expect(await readFile(join(outside, TEMP), 'utf8')).toBe('half a write');
    });

    it('stops after maxEntries directory entries, breadth first', async () => {
      await mkdir(join(rootDir, 'd'));
      for (let i = 0; i < 5; i++) await writeFile(join(rootDir, `f${i}`), '');
      await stale(join(rootDir, 'd', TEMP));
      const sweep = await sfs.removeStaleTempFiles({ olderThanMs: 60_000, maxEntries: 6 });
      expect(sweep).toEqual({ removed: [], entries: 6, complete: false });
      expect(await readdir(join(rootDir, 'd'))).toEqual([TEMP]);
      const whole = await sfs.removeStaleTempFiles({ olderThanMs: 60_000, maxEntries: 7 });
      expect(whole).toEqual({ removed: [`d/${TEMP}`], entries: 7, complete: true });
    });

    it('stops when its signal aborts', async () => {
      await stale(join(rootDir, TEMP));
      const stop = new AbortController();
      stop.abort(new Error('stopping'));
      const error = await caught(
        sfs.removeStaleTempFiles({ olderThanMs: 60_000, maxEntries: 1000, signal: stop.signal }),
      );
      expect(error.message).toBe('stopping');
      expect(await readdir(rootDir)).toEqual([TEMP]);
    });
  });

  it('readFileAt gives what resolve + readFile give', async () => {
    await mkdir(join(rootDir, 'real'));
    await writeFile(join(rootDir, 'real/n.txt'), 'via alias');
    await symlink('real', join(rootDir, 'alias'));
    await mkdir(join(rootDir, 'dir'));
    const read = (p: string, maxBytes = 100) => sfs.readFileAt(scope.lexical(p), { maxBytes });
    const codeOf = async (p: Promise<unknown>) => fsErrorCode(await caught(p));
    expect((await read('real/n.txt')).toString()).toBe('via alias');
    expect((await read('alias/n.txt')).toString()).toBe('via alias');
    expect((await read('./real/../alias/n.txt')).toString()).toBe('via alias');
    expect(await codeOf(read('dir'))).toBe('EISDIR');
    expect(await codeOf(read(''))).toBe('EISDIR');
    expect(await codeOf(read('missing'))).toBe('ENOENT');
    expect(await codeOf(read('real/n.txt/x'))).toBe('ENOTDIR');
    expect((await caught(read('real/n.txt', 3))).message).toContain('limited to 3 bytes');
    expect(() => scope.lexical('../outside/f.txt')).toThrow(/outside/);
    expect(() => scope.lexical(join(outside, 'f.txt'))).toThrow();
  });

  it('refuses a path that does not come from this scope', async () => {
    const forged: ScopedPath = { absolute: join(outside, 'f.txt'), relative: 'f.txt' };
    const error = await caught(sfs.readFile(forged, { maxBytes: 100 }));
    expect(isScopeViolation(error)).toBe(true);
  });

  // Time-of-check/time-of-use: the path is resolved while it is clean, then a directory (or the leaf) is
  // swapped for a symlink to outside before the I/O call. Every case must be refused or stay inside.
  describe('symlink swapped in after resolve (TOCTOU)', () => {
    async function swapDirForLink(dir: string, target: string): Promise<void> {
      await rename(join(rootDir, dir), join(rootDir, `${dir}-moved`));
      await symlink(target, join(rootDir, dir));
    }

    async function expectRefusedAndOutsideUntouched(run: () => Promise<unknown>): Promise<void> {
      const before = await snapshot(outside);
      const error = await caught(run());
      expect(isScopeViolation(error)).toBe(true);
      expect(error.message).not.toContain(base);
      expect(await snapshot(outside)).toEqual(before);
    }

    beforeEach(async () => {
      await mkdir(join(rootDir, 'd/e'), { recursive: true });
      await writeFile(join(rootDir, 'd/f.txt'), 'inside d');
      await writeFile(join(rootDir, 'd/e/f.txt'), 'inside e');
    });

    it('read: parent directory swapped', async () => {
      const target = await scope.resolve('d/f.txt');
      await swapDirForLink('d', outside);
      await expectRefusedAndOutsideUntouched(() => sfs.readFile(target, { maxBytes: 100 }));
    });

    it('read: grandparent directory swapped', async () => {
      const target = await scope.resolve('d/e/f.txt');
      await swapDirForLink('d', outside);
      await expectRefusedAndOutsideUntouched(() => sfs.readFile(target, { maxBytes: 100 }));
    });

    it('read: leaf swapped', async () => {
      const target = await scope.resolve('d/f.txt');
      await rm(join(rootDir, 'd/f.txt'));
      await symlink(join(outside, 'f.txt'), join(rootDir, 'd/f.txt'));
      await expectRefusedAndOutsideUntouched(() => sfs.readFile(target, { maxBytes: 100 }));
    });

    it('list: directory swapped', async () => {
      const target = await scope.resolve('d/e');
      await swapDirForLink('d', outside);
      await expectRefusedAndOutsideUntouched(() => sfs.readdir(target));
    });

    it('entries: directory swapped', async () => {
      const target = await scope.resolve('d/e');
      await swapDirForLink('d', outside);
      await expectRefusedAndOutsideUntouched(() => collect(sfs.entries(target)));
    });

    it('write: parent directory swapped', async () => {
      const target = await scope.resolve('d/new.txt');
      await swapDirForLink('d', outside);
      await expectRefusedAndOutsideUntouched(() => sfs.writeFile(target, 'pwned'));
    });

    it('write: grandparent directory swapped', async () => {
      const target = await scope.resolve('d/e/f.txt');
      await swapDirForLink('d', outside);
      await expectRefusedAndOutsideUntouched(() => sfs.writeFile(target, 'pwned'));
    });

    it('write: swapped above directories still to be created', async () => {
      const target = await scope.resolve('d/new1/new2/x.txt');
      await swapDirForLink('d', outside);
      await expectRefusedAndOutsideUntouched(() => sfs.writeFile(target, 'pwned'));
    });

    it('delete: parent directory swapped', async () => {
      const target = await scope.resolve('d/f.txt', { followLeaf: false });
      await swapDirForLink('d', outside);
      await expectRefusedAndOutsideUntouched(() => sfs.unlink(target));
    });

    // readFileAt takes a path checked without I/O and opens it directly: the kernel's answer for the open
    // file, not the earlier look, decides.
    it('readFileAt: parent directory swapped', async () => {
      const target = scope.lexical('d/f.txt');
      await swapDirForLink('d', outside);
      await expectRefusedAndOutsideUntouched(() => sfs.readFileAt(target, { maxBytes: 100 }));
    });

    it('readFileAt: grandparent directory swapped', async () => {
      const target = scope.lexical('d/e/f.txt');
      await swapDirForLink('d', outside);
      await expectRefusedAndOutsideUntouched(() => sfs.readFileAt(target, { maxBytes: 100 }));
    });

    it('readFileAt: leaf is a link to outside', async () => {
      await rm(join(rootDir, 'd/f.txt'));
      await symlink(join(outside, 'f.txt'), join(rootDir, 'd/f.txt'));
      await expectRefusedAndOutsideUntouched(() =>
        sfs.readFileAt(scope.lexical('d/f.txt'), { maxBytes: 100 }),
      );
    });

    it('write: leaf swapped for a link is replaced, never followed', async () => {
      const target = await scope.resolve('d/f.txt');
      await rm(join(rootDir, 'd/f.txt'));
      await symlink(join(outside, 'f.txt'), join(rootDir, 'd/f.txt'));
      const before = await snapshot(outside);
      await sfs.writeFile(target, 'inside again');
      expect(await snapshot(outside)).toEqual(before);
      expect((await lstat(join(rootDir, 'd/f.txt'))).isFile()).toBe(true);
      expect(await readFile(join(rootDir, 'd/f.txt'), 'utf8')).toBe('inside again');
    });
  });
});

describe('fsToolError', () => {
  const enoent = Object.assign(new Error(`ENOENT: no such file, open '/host/secret/path'`), {
    code: 'ENOENT',
  });

  it('never passes an fs message through', () => {
    const error = fsToolError(enoent, 'a/b.txt');
    expect(error.message).toBe("No such file or directory: 'a/b.txt'");
    expect(error.code).toBe('SMCP_TOOL_INPUT');
  });

  it('uses the caller’s message for a code', () => {
    expect(fsToolError(enoent, 'x', { ENOENT: 'File not found: x' }).message).toBe('File not found: x');
  });

  it('keeps scoped-mcp errors and hides unknown ones', () => {
    const violation = fsToolError(enoent, 'x');
    expect(fsToolError(violation, 'y')).toBe(violation);
    const unknown = fsToolError(new Error('/host/path exploded'), '');
    expect(unknown.message).toBe("File operation on '.' failed (unknown error)");
    expect(unknown.code).toBe('SMCP_TOOL_FAILED');
  });
});

describe('directories opened without following links', () => {
  let base: string;
  let root: string;
  let outside: string;

  beforeEach(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'scoped-fs-dir-')));
    root = join(base, 'root');
    outside = join(base, 'outside');
    await mkdir(join(root, 'd'), { recursive: true });
    await mkdir(outside);
  });

  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  describe.runIf(process.platform === 'linux')('DirOpener on Linux', () => {
    it('pins the directory it checked: a swap after opening cannot redirect child operations', async () => {
      const dir = await new DirOpener(root, undefined).open(join(root, 'd'), 'd');
      try {
        expect(dir.pinned).toBe(true);
        await rename(join(root, 'd'), join(root, 'd-moved'));
        await symlink(outside, join(root, 'd'));
        await writeFile(dir.child('x.txt'), 'pinned');
        expect(await readdir(outside)).toEqual([]);
        expect(await readdir(join(root, 'd-moved'))).toEqual(['x.txt']);
      } finally {
        await dir.close();
      }
    });
  });

  describe('DirOpener', () => {
    it.each([undefined, false] as const)(
      'refuses a directory outside the root (procFd %s)',
      async (procFd) => {
        const opener = new DirOpener(root, procFd);
        const error = await opener.open(outside, 'x').catch((e: unknown) => e);
        expect(isScopeViolation(error)).toBe(true);
      },
    );

    it('refuses a child name that is not a plain name', async () => {
      const opener = new DirOpener(root, undefined);
      const dir = await opener.open(root, '');
      try {
        for (const name of ['..', '.', '', 'a/b']) {
          await expect(opener.openChild(dir, name, name)).rejects.toThrow(/plain name/);
        }
      } finally {
        await dir.close();
      }
    });
  });
});
