import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { directoryProblem } from './directory-check.js';

// Root may write anywhere, so permission refusals can only be seen as another user.
const isRoot = process.getuid?.() === 0;

describe('directoryProblem', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smcp-dircheck-'));
  });
  afterEach(async () => {
    await chmod(dir, 0o700).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts an existing directory and one that mkdir -p could create, creating nothing', async () => {
    expect(await directoryProblem(dir)).toBeUndefined();
    expect(await directoryProblem(join(dir, 'a', 'b', 'c'))).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });

  it('names the file that stands where a parent directory should be', async () => {
    await writeFile(join(dir, 'data'), 'a file');
    const problem = await directoryProblem(join(dir, 'data', 'agents', 'x'));
    expect(problem).toBe(
      `'${join(dir, 'data', 'agents', 'x')}' cannot be created: '${join(dir, 'data')}' is a file, not a directory (fix: choose another directory, or move that file away)`,
    );
  });

  it('refuses a path that is itself a file', async () => {
    await writeFile(join(dir, 'db'), '');
    expect(await directoryProblem(join(dir, 'db'))).toContain('exists and is not a directory');
  });

  it.skipIf(isRoot)('refuses a directory this user may not create entries in', async () => {
    await mkdir(join(dir, 'locked'));
    await chmod(join(dir, 'locked'), 0o500);
    expect(await directoryProblem(join(dir, 'locked', 'agents'))).toContain(
      `may not create entries in '${join(dir, 'locked')}'`,
    );
    expect(await directoryProblem(join(dir, 'locked'))).toContain('is not writable by this user');
  });
});
