import { constants } from 'node:fs';
import { chmod, mkdir, open, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModuleLogger } from '@scoped-mcp/core';

const PRIVATE_DIR = 0o700;
const PRIVATE_FILE = 0o600;

// Core holds AGENT_ID to a stricter pattern; this guards embedders that build an identity by hand,
// since the id becomes part of a file name.
const FILE_SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function agentDbFileName(agentId: string): string {
  return `agent_${agentId}.db`;
}

export interface AgentFile {
  /** `{db_dir}/agent_{agent_id}.db`. */
  readonly file: string;
  readonly fileName: string;
  readonly dbDir: string;
  /** db_dir with symlinks resolved: engine messages may name it either way. */
  readonly realDbDir: string;
}

/** Creates db_dir and the agent's file with private modes, before any connection opens it. */
export async function prepareAgentFile(
  dbDir: string,
  agentId: string,
  log: ModuleLogger,
): Promise<AgentFile> {
  if (!FILE_SAFE_ID.test(agentId))
    throw new Error(`sqlite: agent id '${agentId}' cannot name a database file`);
  await prepareDbDir(dbDir, log);
  const fileName = agentDbFileName(agentId);
  const file = join(dbDir, fileName);
  await prepareDbFile(file);
  return { file, fileName, dbDir, realDbDir: await realpath(dbDir) };
}

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
