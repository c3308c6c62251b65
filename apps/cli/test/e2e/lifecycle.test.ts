import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readJsonl } from '../helpers/jsonl.js';
import { fixturesDir } from '../helpers/paths.js';
import { isAlive, waitForExit } from '../helpers/process-state.js';
import { type ExitInfo, type SpawnedAgent, spawnAgent } from '../helpers/spawn-agent.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const manifest = join(fixturesDir, 'lifecycle-agent.yml');
const EXIT_WITHIN_MS = 3000;

/** Resolves with the exit, or with 'timeout' — the process is not killed here (afterEach cleans up). */
function exitOrTimeout(agent: SpawnedAgent): Promise<ExitInfo | 'timeout'> {
  return Promise.race([
    agent.exited,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), EXIT_WITHIN_MS)),
  ]);
}

describe('process lifecycle', () => {
  let dir: string;
  let agent: SpawnedAgent | undefined;

  beforeEach(async () => {
    dir = await makeTempDir('lifecycle');
    agent = await spawnAgent({ manifest, dir, agentId: 'life-1' });
    // A working session first, so shutdown has real module state to tear down.
    expect((await agent.call('first_ping')).text).toBe('pong');
    expect((await agent.call('filesystem_write_file', { path: 'a.txt', content: 'x' })).isError).toBe(false);
  });
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
    await removeTempDir(dir);
  });

  async function teardownRecords(): Promise<unknown[]> {
    const text = await readFile(join(dir, 'teardown-marker.jsonl'), 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as unknown);
  }

  it('exits by itself within 3 s when the client closes stdin, after tearing modules down', async () => {
    const running = agent!;
    running.endStdin();
    const exit = await exitOrTimeout(running);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(isAlive(running.pid)).toBe(false);
    expect(() => process.kill(running.pid, 0)).toThrow();
    expect(await teardownRecords()).toEqual([
      { instance: 'second', agent: 'life-1' },
      { instance: 'first', agent: 'life-1' },
    ]);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s: exits within 3 s with code 0, teardown ran in reverse start order, logs flushed',
    async (signal) => {
      const running = agent!;
      process.kill(running.pid, signal);
      const exit = await exitOrTimeout(running);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(await waitForExit(running.pid, 500)).toBeDefined();
      expect(() => process.kill(running.pid, 0)).toThrow();
      expect(await teardownRecords()).toEqual([
        { instance: 'second', agent: 'life-1' },
        { instance: 'first', agent: 'life-1' },
      ]);
      const ops = await readJsonl(running.opsLog!);
      expect(ops.map((l) => l.event)).toEqual(expect.arrayContaining(['shutdown', 'shutdown_complete']));
      expect(ops.find((l) => l.event === 'shutdown')?.reason).toBe(signal);
    },
  );

  it('answers a message over the size limit with an error, logs message_too_large, and keeps serving', async () => {
    const running = agent!;
    const limit = STDIO_DEFAULT_MAX_BUFFER_SIZE;
    const pad = 'x'.repeat(limit);
    // Sent by the SDK client itself, which waits for the answer (before, it waited for ever).
    const huge = running.client.request(
      { method: 'tools/call', params: { name: 'first_ping', arguments: { pad } } },
      CallToolResultSchema,
    );
    await expect(huge).rejects.toMatchObject({
      code: -32600,
      message: expect.stringMatching(
        /bytes is larger than this server reads \(limits\.max_message_bytes: 10485760\)/,
      ),
      data: { code: 'SMCP_MESSAGE_TOO_LARGE', limit: { name: 'max_message_bytes', value: limit } },
    });
    expect((await running.call('first_ping')).text).toBe('pong');
    expect(isAlive(running.pid)).toBe(true);
    const ops = await readJsonl(running.opsLog!);
    const dropped = ops.filter((l) => l.event === 'message_too_large');
    expect(dropped).toEqual([
      expect.objectContaining({ level: 'warn', limit, kind: 'request', answered: true }),
    ]);
    expect(dropped[0]!.bytes).toBeGreaterThan(limit);
    expect(dropped[0]!.bytes).toBeLessThan(limit + 200);
    expect(JSON.stringify(ops)).not.toContain('xxxxxxxx');
    expect(running.clientErrors).toEqual([]);
  });

  it('the client sees the connection close when the server goes away', async () => {
    const running = agent!;
    const closed = new Promise<void>((resolve) => {
      running.client.onclose = () => resolve();
    });
    process.kill(running.pid, 'SIGTERM');
    await expect(
      Promise.race([
        closed,
        new Promise((_r, reject) => setTimeout(() => reject(new Error('no close')), EXIT_WITHIN_MS)),
      ]),
    ).resolves.toBeUndefined();
    await expect(running.call('first_ping')).rejects.toThrow();
  });
});
