import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isScopedFsTempName } from '@scoped-mcp/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readJsonl } from '../helpers/jsonl.js';
import { fixturesDir } from '../helpers/paths.js';
import { type SpawnedAgent, spawnAgent } from '../helpers/spawn-agent.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const AGENT = 'agent-e2e';
const CONTENT_BYTES = 4_000_000; // eight chunks of Node's file writes: the write is still going when killed

let dir: string | undefined;
const agents: SpawnedAgent[] = [];

afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.close();
  await removeTempDir(dir);
  dir = undefined;
});

async function start(manifest: string, env: Record<string, string> = {}): Promise<SpawnedAgent> {
  const agent = await spawnAgent({ manifest, dir: dir as string, agentId: AGENT, env });
  agents.push(agent);
  return agent;
}

/** The ops line of the filesystem module's start-up sweep, once it has finished. */
function sweepLine(agent: SpawnedAgent): Promise<Record<string, unknown>> {
  return vi.waitFor(
    async () => {
      const lines = await readJsonl(agent.opsLog as string);
      const line = lines.find((l) => l.event === 'filesystem_stale_temp_files');
      if (!line) throw new Error('no sweep line yet');
      return line;
    },
    { timeout: 10_000, interval: 50 },
  );
}

describe('a write killed by SIGKILL half-way', () => {
  it('leaves a temp file the agent never sees or reaches, removed by a start once it is stale', async () => {
    dir = await makeTempDir('killed-write');
    const root = join(dir, 'files', 'agents', AGENT);
    await mkdir(root, { recursive: true });
    await writeFile(join(root, 'report.txt'), 'the old report');
    const manifest = join(dir, 'agent.yml');
    await writeFile(
      manifest,
      `agent_type: build\nmodules:\n  filesystem:\n    config:\n      base_path: ${join(dir, 'files')}\n      max_write_bytes: 8000000\n`,
    );

    // 1. A real CLI process dies by SIGKILL while it writes report.txt.
    const writer = await start(manifest, {
      NODE_OPTIONS: `--import=${pathToFileURL(join(fixturesDir, 'kill-on-temp-file.mjs')).href}`,
      KILL_ON_TEMP_FILE_IN: root,
    });
    const answered = writer
      .call('filesystem_write_file', { path: 'report.txt', content: 'n'.repeat(CONTENT_BYTES) })
      .then(
        () => 'answered',
        () => 'connection lost',
      );
    expect(await writer.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await answered).toBe('connection lost');
    const left = (await readdir(root)).filter(isScopedFsTempName);
    expect(left).toHaveLength(1);
    const temp = left[0] as string;
    expect((await readFile(join(root, temp))).length).toBeLessThan(CONTENT_BYTES);
    // The rename never happened: the file keeps its old content, whole.
    expect(await readFile(join(root, 'report.txt'), 'utf8')).toBe('the old report');

    // 2. The next start, right away: the temp file is young (for all it knows, a write in flight in
    //    another session of this agent), so it stays, hidden from the agent and refused by name.
    const next = await start(manifest);
    const listed = await next.call('filesystem_list_dir', {});
    expect(listed.json()).toEqual(['report.txt']);
    expect(listed.raw.structuredContent).toEqual({ entries: ['report.txt'], total: 1, truncated: false });
    for (const [tool, args] of [
      ['filesystem_read_file', { path: temp }],
      ['filesystem_write_file', { path: temp, content: 'x' }],
      ['filesystem_delete_file', { path: temp }],
    ] as const) {
      const refused = await next.call(tool, args);
      expect(refused.isError, tool).toBe(true);
      expect(refused.text).toBe(
        `'${temp}' is a name reserved for scoped-mcp's temporary files; use another name`,
      );
    }
    expect(await sweepLine(next)).toMatchObject({ removed: 0, complete: true });
    expect(await readdir(root)).toContain(temp);
    await next.close();

    // 3. Once it has not been touched for longer than a write can take, a start deletes it.
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(join(root, temp), hourAgo, hourAgo);
    const later = await start(manifest);
    expect(await sweepLine(later)).toMatchObject({ removed: 1, examples: [temp], complete: true });
    expect(await readdir(root)).toEqual(['report.txt']);
    expect(await readFile(join(root, 'report.txt'), 'utf8')).toBe('the old report');
  }, 60_000);
});
