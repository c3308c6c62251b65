import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A fresh directory per test. Resolved through symlinks (macOS /tmp, some CI runners): the filesystem
 * module roots agents at the real path, and absolute-path attacks must aim at the real location.
 */
export async function makeTempDir(label: string): Promise<string> {
  return realpath(await mkdtemp(join(tmpdir(), `smcp-e2e-${label}-`)));
}

export async function removeTempDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}
