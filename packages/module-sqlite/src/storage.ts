import { constants } from 'node:fs';
import { chmod, mkdir, open, stat } from 'node:fs/promises';
import type { ModuleLogger } from '@scoped-mcp/core';

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

/**
 * Creates the database directory 0700. A directory that already exists belongs to the operator and is left
 * as it is, with a warning if other users can enter or list it.
 */
export async function prepareDbDir(dir: string, log: ModuleLogger): Promise<void> {
  const created = await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  if (created !== undefined) {
    // mkdir's mode passes through the umask; set it exactly.
    await chmod(dir, PRIVATE_DIR);
    return;
  }
  const info = await stat(dir);
  if (!info.isDirectory()) throw new Error(`sqlite: db_dir '${dir}' exists and is not a directory`);
  if ((info.mode & 0o077) !== 0) {
    log.warn(
      { db_dir: dir, mode: (info.mode & 0o777).toString(8) },
      'sqlite db_dir is accessible to other users; chmod 700 it',
    );
  }
}

/**
 * Creates the agent's database file 0600 before SQLite opens it (SQLite would create it 0644 under the
 * usual umask; its journal files copy the database file's mode). O_NOFOLLOW: a symlink planted in
 * db_dir is refused instead of followed.
 */
export async function prepareDbFile(file: string): Promise<void> {
  const handle = await open(
    file,
    constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0),
    PRIVATE_FILE,
  );
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new Error(`sqlite: '${file}' is not a regular file`);
    if ((info.mode & 0o777) !== PRIVATE_FILE) await handle.chmod(PRIVATE_FILE);
  } finally {
    await handle.close();
  }
}
