import { mkdir, mkdtemp, readdir, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isScopeViolation } from '../errors/scoped-mcp-error.js';
import { DirOpener } from './scoped-fs-dir.js';

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
  it.each([undefined, false] as const)('refuses a directory outside the root (procFd %s)', async (procFd) => {
    const opener = new DirOpener(root, procFd);
    const error = await opener.open(outside, 'x').catch((e: unknown) => e);
    expect(isScopeViolation(error)).toBe(true);
  });

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
