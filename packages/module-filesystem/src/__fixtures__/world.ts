import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

/**
 * A temp tree with one agent's root and things it must never reach:
 *   {tmp}/canary.txt                      outside the base
 *   {tmp}/outside/secret.txt, dir/x.txt   outside the base
 *   {tmp}/base/base-file.txt              the base_path itself
 *   {tmp}/base/agents/agent-a/            the agent under test (ok.txt, sub/inner.txt)
 *   {tmp}/base/agents/agent-a2/secret.txt sibling whose name extends the root's
 *   {tmp}/base/agents/agent-b/secret.txt  another agent
 */
export interface World {
  readonly tmp: string;
  readonly base: string;
  readonly root: string;
  readonly outside: string;
  readonly agentB: string;
  cleanup(): Promise<void>;
}

/** Content markers of every file outside agent-a's root; none may ever appear in a tool result. */
export const SECRETS = [
  'CANARY-OUTSIDE-BASE',
  'OUTSIDE-SECRET',
  'BASE-FILE',
  'AGENT-A2-SECRET',
  'AGENT-B-SECRET',
];

export async function createWorld(): Promise<World> {
  const tmp = await realpath(await mkdtemp(join(tmpdir(), 'fs-module-')));
  const base = join(tmp, 'base');
  const root = join(base, 'agents', 'agent-a');
  const outside = join(tmp, 'outside');
  const agentB = join(base, 'agents', 'agent-b');
  await mkdir(join(root, 'sub'), { recursive: true, mode: 0o700 });
  await mkdir(join(outside, 'dir'), { recursive: true });
  await mkdir(join(agentB, 'dir'), { recursive: true });
  await mkdir(join(base, 'agents', 'agent-a2'), { recursive: true });
  await writeFile(join(tmp, 'canary.txt'), 'CANARY-OUTSIDE-BASE');
  await writeFile(join(outside, 'secret.txt'), 'OUTSIDE-SECRET');
  await writeFile(join(outside, 'dir', 'x.txt'), 'OUTSIDE-SECRET x');
  await writeFile(join(base, 'base-file.txt'), 'BASE-FILE');
  await writeFile(join(base, 'agents', 'agent-a2', 'secret.txt'), 'AGENT-A2-SECRET');
  await writeFile(join(agentB, 'secret.txt'), 'AGENT-B-SECRET');
  await writeFile(join(agentB, 'dir', 'y.txt'), 'AGENT-B-SECRET y');
  await writeFile(join(root, 'ok.txt'), 'agent a ok');
  await writeFile(join(root, 'sub', 'inner.txt'), 'agent a inner');
  return { tmp, base, root, outside, agentB, cleanup: () => rm(tmp, { recursive: true, force: true }) };
}

/** Every entry of `dir` except those under `exclude`: kind, mode and content or link target. Never follows links. */
export async function snapshot(dir: string, exclude?: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const full of await walk(dir, exclude)) {
    const info = await lstat(full);
    const mode = (info.mode & 0o7777).toString(8);
    const key = relative(dir, full);
    if (info.isSymbolicLink()) result[key] = `link ${mode} -> ${await readlink(full)}`;
    else if (info.isDirectory()) result[key] = `dir ${mode}`;
    else result[key] = `file ${mode} ${info.size} ${await readFile(full, 'utf8')}`;
  }
  return result;
}

/** Paths (relative to `dir`) of regular files whose content is exactly `content`. */
export async function filesWithContent(dir: string, content: string): Promise<string[]> {
  const found: string[] = [];
  for (const full of await walk(dir)) {
    const info = await lstat(full);
    if (info.isFile() && (await readFile(full, 'utf8')) === content) found.push(relative(dir, full));
  }
  return found.sort();
}

// readdir's own `recursive` descends into symlinked directories, which here may lead to `/`.
async function walk(dir: string, exclude?: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (full === exclude) continue;
    out.push(full);
    if (entry.isDirectory()) out.push(...(await walk(full, exclude)));
  }
  return out;
}
