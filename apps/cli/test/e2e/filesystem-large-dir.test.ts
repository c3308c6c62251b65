import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readJsonl } from '../helpers/jsonl.js';
import { type SpawnedAgent, spawnAgent } from '../helpers/spawn-agent.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const ENTRIES = 200_000;
// ~100-byte names: the whole listing was 21 MB of JSON, twice (text and structuredContent), 42 MB an answer.
const nameOf = (i: number) => `${'x'.repeat(90)}-${String(i).padStart(6, '0')}.txt`;
// The CLI's peak RSS may grow this much for one call. Measured on a 2-core Linux VM: +21 to +33 MB now; before the
// listing was paged, +294 to +520 MB (and the SDK client lost the connection on the 42 MB line).
const RSS_GROWTH_LIMIT_MB = 64;

/** Peak resident set of a process so far, in MiB (Linux). */
function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error('no VmHWM in /proc/<pid>/status');
  return Number(match[1]) / 1024;
}

describe.runIf(process.platform === 'linux')('list_dir on a directory of 200,000 entries', () => {
  let dir: string;
  let files: string;
  let agent: SpawnedAgent;

  beforeAll(async () => {
    dir = await makeTempDir('large-dir');
    // 200,000 files are made in a second or two in memory; on a busy disk it can take a minute.
    files = existsSync('/dev/shm')
      ? await realpath(await mkdtemp('/dev/shm/smcp-e2e-large-dir-'))
      : join(dir, 'files');
    const big = join(files, 'agents', 'agent-e2e', 'big');
    mkdirSync(big, { recursive: true });
    for (let i = ENTRIES - 1; i >= 0; i--) writeFileSync(join(big, nameOf(i)), '');
    const manifest = join(dir, 'agent.yml');
    await writeFile(
      manifest,
      `agent_type: build\nmodules:\n  filesystem:\n    config:\n      base_path: ${files}\n`,
    );
    agent = await spawnAgent({ manifest, dir });
  }, 180_000);

  afterAll(async () => {
    await agent?.close();
    await removeTempDir(files);
    await removeTempDir(dir);
  }, 60_000);

  it('looks at no more than 100,000 entries when it sweeps for stale temp files at start', async () => {
    const sweep = await vi.waitFor(
      async () => {
        const lines = await readJsonl(agent.opsLog as string);
        const line = lines.find((l) => l.event === 'filesystem_stale_temp_files');
        if (!line) throw new Error('no sweep line yet');
        return line;
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(sweep).toMatchObject({ removed: 0, entries: 100_000, complete: false });
  }, 30_000);

  // After the sweep (the test above waits for it), so that only the call is measured.
  it('answers one page of 5000 sorted names, says how many there are and how to go on, in bounded memory', async () => {
    expect((await agent.call('filesystem_list_dir', {})).json()).toEqual(['big']);

    const before = peakRssMb(agent.pid);
    const first = await agent.call('filesystem_list_dir', { path: 'big' });
    const growth = peakRssMb(agent.pid) - before;

    expect(first.isError).toBe(false);
    const names = Array.from({ length: 5000 }, (_, i) => nameOf(i));
    expect(first.raw.structuredContent).toEqual({
      entries: names,
      total: ENTRIES,
      truncated: true,
      next_after: nameOf(4999),
    });
    expect(first.text).toBe(
      `${JSON.stringify(names)}\nListing cut: entries 1–5000 of 200000 entries (max_list_entries is 5000). ` +
        `Next page: call filesystem_list_dir with {"path":"big","after":"${nameOf(4999)}"}. ` +
        'To narrow it, pass prefix (names starting with it).',
    );
    expect(first.text.length).toBeLessThan(600_000);
    expect(growth).toBeLessThan(RSS_GROWTH_LIMIT_MB);

    const second = await agent.call('filesystem_list_dir', { path: 'big', after: nameOf(4999) });
    expect(second.raw.structuredContent).toMatchObject({
      total: ENTRIES,
      truncated: true,
      next_after: nameOf(9999),
    });
    expect((second.raw.structuredContent as { entries: string[] }).entries[0]).toBe(nameOf(5000));
    const last = await agent.call('filesystem_list_dir', { path: 'big', after: nameOf(ENTRIES - 5001) });
    expect(last.raw.structuredContent).toMatchObject({ total: ENTRIES, truncated: false });
    expect(last.json()).toEqual(Array.from({ length: 5000 }, (_, i) => nameOf(ENTRIES - 5000 + i)));
    const narrowed = await agent.call('filesystem_list_dir', {
      path: 'big',
      prefix: nameOf(12345).slice(0, -4),
    });
    expect(narrowed.json()).toEqual([nameOf(12345)]);
  }, 120_000);
});
