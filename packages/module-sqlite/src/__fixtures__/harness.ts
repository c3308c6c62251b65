import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import sqlite from '../index.js';

export async function makeTempDir(prefix = 'smcp-sqlite-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export interface AgentOptions {
  readonly agentId?: string;
  readonly mode?: 'read' | 'write';
  readonly config?: Record<string, unknown>;
}

export function openAgent(dbDir: string, options: AgentOptions = {}): Promise<ModuleHarness> {
  return createModuleHarness(sqlite, {
    config: { db_dir: dbDir, ...options.config },
    agentId: options.agentId ?? 'agent-a',
    ...(options.mode ? { mode: options.mode } : {}),
  });
}

/**
 * Every file under `dir` with its size and content hash, to prove an attack changed nothing. A WAL index
 * (-shm) is shared memory whose read marks change on every read, so only its presence is compared.
 */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isFile() && path.endsWith('-shm')) {
      result[path] = 'wal-index';
    } else if (entry.isFile()) {
      const content = await readFile(path);
      result[path] = `${content.length}:${createHash('sha256').update(content).digest('hex')}`;
    } else {
      result[path] = entry.isDirectory() ? 'dir' : 'other';
    }
  }
  return result;
}

export async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

/** Names attack statements give the files they try to create, so a stray one is found anywhere. */
export const ESCAPE_PREFIX = 'smcp-escape-';

export async function strayEscapeFiles(dirs: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) if (name.startsWith(ESCAPE_PREFIX)) found.push(join(dir, name));
  }
  return found;
}
