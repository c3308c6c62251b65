import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  realpath,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readErrorMeta } from '@scoped-mcp/core';
import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import filesystem from './index.js';

// Named exactly as core's scoped fs names the temp file of a write (`.scoped-mcp-<16 hex>.tmp`).
const TEMP = '.scoped-mcp-0123456789abcdef.tmp';
const OTHER_TEMP = '.scoped-mcp-fedcba9876543210.tmp';
// Close, but not that pattern: ordinary files of the agent.
const LOOK_ALIKES = [
  '.scoped-mcp-notes.tmp',
  '.scoped-mcp-0123456789ABCDEF.tmp',
  '.scoped-mcp-0123456789abcdef.tmp.bak',
  'scoped-mcp-0123456789abcdef.tmp',
  '.scoped-mcp-0123456789abcde.tmp',
];
const HOUR_AGO = new Date(Date.now() - 3_600_000);

let tmp: string;
let base: string;
let root: string;
const open: ModuleHarness[] = [];

async function harness(): Promise<ModuleHarness> {
  const h = await createModuleHarness(filesystem, { config: { base_path: base }, agentId: 'agent-a' });
  open.push(h);
  return h;
}

/** The ops line of the start-up sweep, once it has finished. */
async function sweepLine(h: ModuleHarness): Promise<Record<string, unknown>> {
  return vi.waitFor(() => {
    const line = h.ops.find((o) => o.event === 'filesystem_stale_temp_files');
    if (!line) throw new Error('the sweep has not finished');
    return line;
  });
}

async function staleFile(path: string, content = 'half a write'): Promise<void> {
  await writeFile(path, content);
  await utimes(path, HOUR_AGO, HOUR_AGO);
}

beforeEach(async () => {
  tmp = await realpath(await mkdtemp(join(tmpdir(), 'fs-temp-')));
  base = join(tmp, 'base');
  root = join(base, 'agents', 'agent-a');
  await mkdir(join(root, 'notes', 'deep'), { recursive: true });
});

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('temp files of writes that never finished', () => {
  it('are not listed and not counted by list_dir; look-alike names are', async () => {
    await writeFile(join(root, TEMP), 'partial');
    await mkdir(join(root, OTHER_TEMP));
    for (const name of LOOK_ALIKES) await writeFile(join(root, name), 'mine');
    const h = await harness();
    const r = await h.call('list_dir', {});
    expect(r.json()).toEqual([...LOOK_ALIKES, 'notes'].sort());
    expect(r.raw.structuredContent).toMatchObject({ total: LOOK_ALIKES.length + 1, truncated: false });
    expect((await h.call('list_dir', { prefix: '.scoped-mcp-0' })).json()).toEqual([
      '.scoped-mcp-0123456789ABCDEF.tmp',
      '.scoped-mcp-0123456789abcde.tmp',
      '.scoped-mcp-0123456789abcdef.tmp.bak',
    ]);
  });

  it.each([
    ['read_file', { path: TEMP }],
    ['read_file', { path: `notes/${TEMP}` }],
    ['write_file', { path: TEMP, content: 'x' }],
    ['write_file', { path: `${TEMP}/inside.txt`, content: 'x' }],
    ['delete_file', { path: TEMP }],
    ['list_dir', { path: OTHER_TEMP }],
  ])('are refused by name: %s %j', async (tool, args) => {
    await writeFile(join(root, TEMP), 'partial');
    await writeFile(join(root, 'notes', TEMP), 'partial');
    await mkdir(join(root, OTHER_TEMP));
    const h = await harness();
    const r = await h.call(tool, args);
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(
      /^'\.scoped-mcp-[0-9a-f]{16}\.tmp' is a name reserved for scoped-mcp's temporary files; use another name$/,
    );
    expect(readErrorMeta(r.raw)?.code).toBe('SMCP_TOOL_INPUT');
    expect((await readdir(root)).sort()).toEqual([TEMP, OTHER_TEMP, 'notes']);
    expect(await readdir(join(root, OTHER_TEMP))).toEqual([]);
    expect(await readFile(join(root, TEMP), 'utf8')).toBe('partial');
    expect(await readFile(join(root, 'notes', TEMP), 'utf8')).toBe('partial');
  });

  it('are deleted at start when stale, anywhere in the agent tree; nothing else is touched', async () => {
    await staleFile(join(root, TEMP));
    await staleFile(join(root, 'notes', 'deep', OTHER_TEMP));
    for (const name of LOOK_ALIKES) await staleFile(join(root, 'notes', name), 'mine');
    // Young: may be a write in flight in another process of the same agent.
    await writeFile(join(root, 'notes', TEMP), 'in flight');
    // A directory with the name, a symlink with the name, a symlinked directory: never removed or entered.
    await mkdir(join(root, 'dir-named', OTHER_TEMP), { recursive: true });
    await utimes(join(root, 'dir-named', OTHER_TEMP), HOUR_AGO, HOUR_AGO);
    const elsewhere = join(tmp, 'elsewhere');
    await mkdir(elsewhere);
    await staleFile(join(elsewhere, TEMP), 'not the agent’s');
    await symlink(join(elsewhere, TEMP), join(root, 'notes', OTHER_TEMP));
    await symlink(elsewhere, join(root, 'link-out'));
    // Another agent's stale temp file: that agent's own start cleans it, never this one.
    const agentB = join(base, 'agents', 'agent-b');
    await mkdir(agentB, { recursive: true });
    await staleFile(join(agentB, TEMP), 'agent b');

    const h = await harness();
    expect(await sweepLine(h)).toMatchObject({
      removed: 2,
      examples: [TEMP, `notes/deep/${OTHER_TEMP}`],
      complete: true,
    });
    expect((await readdir(root)).sort()).toEqual(['dir-named', 'link-out', 'notes']);
    expect((await readdir(join(root, 'notes'))).sort()).toEqual(
      [...LOOK_ALIKES, OTHER_TEMP, TEMP, 'deep'].sort(),
    );
    expect(await readdir(join(root, 'notes', 'deep'))).toEqual([]);
    expect(await readdir(join(root, 'dir-named'))).toEqual([OTHER_TEMP]);
    expect(await readFile(join(elsewhere, TEMP), 'utf8')).toBe('not the agent’s');
    expect(await readFile(join(agentB, TEMP), 'utf8')).toBe('agent b');
  });
});
