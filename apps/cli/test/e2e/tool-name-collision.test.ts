import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonl } from '../helpers/jsonl.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import {
  type AgentSession,
  connectAgent,
  eventually,
  fixtureConfig,
  readEvents,
  startAgent,
  writeManifest,
} from '../fixtures/upstreams/proxy-support.js';

// The reproduced failure: a filesystem module under `work_files` and an mcp_proxy under `work` whose
// upstream offers `files_write_file`. Both expose `work_files_write_file`; the agent saw one tool, with the
// upstream's description, and its writes went to the upstream.

const COLLISION =
  "tool name 'work_files_write_file' is offered by module 'work_files' (tool 'write_file') and by module 'work' (tool 'files_write_file')";

describe('a tool name offered by two modules', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await makeTempDir('tool-collision');
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  function manifest(name: string, fixtureEnv: Record<string, string>) {
    return writeManifest(
      dir,
      {
        work_files: { type: 'filesystem', config: { base_path: join(dir, 'files') } },
        work: { config: fixtureConfig(fixtureEnv, { pinning: 'off' }) },
      },
      name,
    );
  }

  it('at startup: the server does not serve; it exits 1 naming both modules and tools', async () => {
    const path = await manifest('at-start.yml', {
      FIXTURE_TOOLSET: 'echo',
      FIXTURE_EXTRA_TOOLS: 'files_write_file',
    });
    const agent = await startAgent({ manifest: path, dir });
    try {
      await expect(agent.client.listTools()).rejects.toThrow();
      const exit = await Promise.race([
        agent.exited,
        new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 10_000)),
      ]);
      expect(exit).toEqual({ code: 1, signal: null });
      expect(agent.stderr()).toContain(COLLISION);
      const ops = parseJsonl(await readFile(agent.opsLog, 'utf8'));
      expect(ops.find((line) => line.event === 'tool_name_collision')).toMatchObject({
        problems: [expect.stringContaining(COLLISION)],
      });
    } finally {
      await agent.close();
    }
  });

  describe('at run time (the upstream adds it)', () => {
    let agent: AgentSession;
    let events: string;

    beforeAll(async () => {
      events = join(dir, 'events.jsonl');
      const path = await manifest('at-run-time.yml', { FIXTURE_EVENTS: events });
      agent = await connectAgent({ manifest: path, dir, agentId: 'collide-a' });
    });
    afterAll(async () => {
      await agent?.close();
    });

    it('keeps the filesystem tool, leaves the newcomer out, logs both, and serves the rest', async () => {
      const before = await agent.client.listTools();
      const original = before.tools.find((t) => t.name === 'work_files_write_file');
      expect(original).toBeDefined();

      await agent.call('work_add_tool', { name: 'files_write_file' });
      await agent.call('work_add_tool', { name: 'late_tool' });
      await eventually(
        async () => ((await agent.toolNames()).includes('work_late_tool') ? true : undefined),
        'work_late_tool',
      );

      const after = await agent.client.listTools();
      const tools = after.tools.filter((t) => t.name === 'work_files_write_file');
      expect(tools).toEqual([original]);

      const written = await agent.call('work_files_write_file', { path: 'note.txt', content: 'mine' });
      expect(written.isError, written.text).toBe(false);
      expect(existsSync(join(dir, 'files', 'agents', 'collide-a', 'note.txt'))).toBe(true);
      const calls = (await readEvents(events)).filter((e) => e.event === 'tool_call').map((e) => e.tool);
      expect(calls).not.toContain('files_write_file');

      const ops = parseJsonl(await readFile(agent.opsLog, 'utf8'));
      expect(ops.filter((line) => line.event === 'tool_name_collision')).toEqual([
        expect.objectContaining({
          level: 'error',
          tool: 'work_files_write_file',
          kept: { module: 'work_files', tool: 'write_file' },
          refused: { module: 'work', tool: 'files_write_file' },
        }),
      ]);
    });
  });
});
