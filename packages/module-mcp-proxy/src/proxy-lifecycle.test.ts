import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScopedRuntime } from '@scoped-mcp/core/runtime';
import { captureLogger, createModuleHarness } from '@scoped-mcp/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { descendants, FIXTURE_UPSTREAM, isAlive, tempDir, waitFor } from './__fixtures__/test-helpers.js';
import mcpProxy from './index.js';

// Start, crash, restart and stop. Every test checks the process table: no upstream may outlive its proxy.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  // Nothing this worker started may be left: every upstream was stopped by its test.
  await waitFor(
    () => descendants(process.pid).filter((pid) => isAlive(pid)).length === 0 || undefined,
    5_000,
  ).catch(() => {
    throw new Error(`processes left behind: ${descendants(process.pid).join(', ')}`);
  });
});

async function harness(config: Record<string, unknown>, instance = 'fx') {
  const dir = await tempDir('life');
  cleanups.push(() => dir.remove());
  const h = await createModuleHarness(mcpProxy, {
    instance,
    config: {
      command: process.execPath,
      args: [FIXTURE_UPSTREAM],
      pinning: 'off',
      ...config,
      env: { FIXTURE_MARKERS: dir.path, ...((config.env as object | undefined) ?? {}) },
    },
    manifestDir: dir.path,
  });
  cleanups.push(() => h.close());
  return { h, dir: dir.path };
}

async function upstreamPid(h: Awaited<ReturnType<typeof harness>>['h']): Promise<number> {
  return Number((await h.call('fx_pid', {})).text);
}

describe('crash and restart', () => {
  it('kill -9 mid-call: the agent gets an error, later calls work after the restart', async () => {
    const { h } = await harness({ restart: { max_backoff_seconds: 1 } });
    const pid = await upstreamPid(h);
    const inFlight = h.call('fx_slow', { ms: 5_000 });
    setTimeout(() => process.kill(pid, 'SIGKILL'), 150);
    const result = await inFlight;
    expect(result.isError).toBe(true);
    expect(result.text).toBe(
      "the upstream of 'fx_slow' stopped during the call, so its effect is unknown; it is being restarted — retry in a few seconds",
    );

    const during = await h.call('fx_echo', { text: 'too early' });
    if (during.isError)
      expect(during.text).toMatch(
        /^the upstream of 'fx_echo' stopped and is being restarted; retry in about \d+ s$/,
      );

    const after = await waitFor(async () => {
      const r = await h.call('fx_echo', { text: 'back' });
      return !r.isError && r;
    });
    expect(after.text).toBe('back');
    const newPid = await upstreamPid(h);
    expect(newPid).not.toBe(pid);
    expect(isAlive(pid)).toBe(false);
    expect(h.ops.find((r) => r.event === 'mcp_proxy_upstream_lost')).toMatchObject({
      instance: 'fx',
      reason: 'exited',
      signal: 'SIGKILL',
    });
    expect(h.ops.some((r) => r.event === 'mcp_proxy_upstream_restarted')).toBe(true);
  });

  it('keeps restarting with backoff while the upstream keeps dying', async () => {
    const { h, dir } = await harness({ restart: { max_backoff_seconds: 0.5 } });
    for (let round = 0; round < 3; round++) {
      const pid = await waitFor(async () => {
        const r = await h.call('fx_pid', {});
        return !r.isError && Number(r.text);
      });
      process.kill(pid, 'SIGKILL');
      await waitFor(() => !isAlive(pid));
    }
    await waitFor(async () => !(await h.call('fx_echo', { text: 'x' })).isError);
    const starts = (await readFile(join(dir, 'starts'), 'utf8')).trim().split('\n');
    expect(starts.length).toBe(4);
  });
});

describe('stopping leaves no process behind', () => {
  it('teardown ends the upstream and the children of a wrapper (its whole process group)', async () => {
    const { h } = await harness({
      command: '/bin/sh',
      // sh stays the parent (no exec): the node server is a grandchild of the proxy.
      args: ['-c', '"$0" "$1"; true', process.execPath, FIXTURE_UPSTREAM],
    });
    const node = await upstreamPid(h);
    const shell = descendants(process.pid).find((pid) => descendants(pid).includes(node));
    expect(shell).toBeDefined();
    await h.close();
    await waitFor(() => !isAlive(node) && !isAlive(shell!), 3_000);
  });

  it('an upstream that ignores stdin EOF and SIGTERM is killed', async () => {
    const { h, dir } = await harness({ env: { FIXTURE_STUBBORN: '1' } });
    const pid = await upstreamPid(h);
    await h.close();
    await waitFor(() => !isAlive(pid), 3_000);
    expect(await readFile(join(dir, 'sigterm'), 'utf8')).toContain(String(pid));
  });
});

describe('where the upstream runs', () => {
  it("resolves a relative command and the default cwd against the manifest's directory, never the cwd", async () => {
    const dir = await tempDir('cwd');
    cleanups.push(() => dir.remove());
    await mkdir(join(dir.path, 'bin'));
    await mkdir(join(dir.path, 'work'));
    const launcher = join(dir.path, 'bin', 'launch.sh');
    await writeFile(launcher, `#!/bin/sh\nexec "${process.execPath}" "${FIXTURE_UPSTREAM}"\n`, {
      mode: 0o755,
    });
    expect(process.cwd()).not.toBe(dir.path);
    const h = await createModuleHarness(mcpProxy, {
      instance: 'fx',
      config: { command: './bin/launch.sh', pinning: 'off' },
      manifestDir: dir.path,
    });
    cleanups.push(() => h.close());
    expect((await h.call('fx_cwd', {})).text).toBe(await realpath(dir.path));
    const moved = await createModuleHarness(mcpProxy, {
      instance: 'fx',
      config: { command: './bin/launch.sh', cwd: 'work', pinning: 'off' },
      manifestDir: dir.path,
    });
    cleanups.push(() => moved.close());
    expect((await moved.call('fx_cwd', {})).text).toBe(await realpath(join(dir.path, 'work')));
  });
});

describe('startup', () => {
  it('a command that does not exist fails setup with the instance and program named', async () => {
    await expect(
      createModuleHarness(mcpProxy, { instance: 'fx', config: { command: 'surely-not-a-command-xyz' } }),
    ).rejects.toThrow(
      /UpstreamStartError: upstream 'fx' \(stdio: surely-not-a-command-xyz\) did not start: .*ENOENT/,
    );
  });

  it('an upstream that never answers initialize fails within discovery_timeout_seconds and is stopped', async () => {
    await expect(
      createModuleHarness(mcpProxy, {
        instance: 'fx',
        config: {
          command: process.execPath,
          args: ['-e', 'setInterval(() => {}, 1000)'],
          discovery_timeout_seconds: 0.5,
        },
      }),
    ).rejects.toThrow(/did not start/);
  });

  it('an upstream that exits at once fails setup', async () => {
    await expect(
      createModuleHarness(mcpProxy, {
        instance: 'fx',
        config: { command: process.execPath, args: ['-e', 'process.exit(3)'] },
      }),
    ).rejects.toThrow(/did not start/);
  });

  // 17 Node processes on 2 cores take seconds under load: the timeout is generous, the test is not about speed.
  it('starts 17 stdio upstreams concurrently; a failing one leaves the rest serving; stop ends them all', async () => {
    const dir = await tempDir('seventeen');
    cleanups.push(() => dir.remove());
    const keys = Array.from({ length: 17 }, (_, i) => `up${i + 1}`);
    const audit: Record<string, unknown>[] = [];
    const ops: Record<string, unknown>[] = [];
    const runtime = new ScopedRuntime({
      agent: { id: 'agent-a', type: 'test', sessionId: 'session' },
      instances: [
        ...keys.map((key) => ({
          key,
          type: 'mcp_proxy',
          optional: false,
          mode: null,
          module: mcpProxy,
          config: mcpProxy.config.parse({
            command: process.execPath,
            args: [FIXTURE_UPSTREAM],
            tool_allowlist: ['echo', 'pid'],
            pinning: 'off',
          }),
          credentials: {},
        })),
        {
          key: 'broken',
          type: 'mcp_proxy',
          optional: false,
          mode: null,
          module: mcpProxy,
          config: mcpProxy.config.parse({ command: 'surely-not-a-command-xyz' }),
          credentials: {},
        },
      ],
      manifestDir: dir.path,
      audit: captureLogger('audit', audit),
      ops: captureLogger('ops', ops),
    });
    cleanups.push(() => runtime.stop());
    const report = await runtime.start();
    for (const key of keys) expect(report.modules[key]).toMatchObject({ status: 'running', tool_count: 2 });
    expect(report.modules.broken).toMatchObject({
      status: 'failed_startup',
      error_type: 'UpstreamStartError',
    });
    const text = (result: Awaited<ReturnType<typeof runtime.call>>) =>
      String((result.content[0] as { text?: string } | undefined)?.text);
    const pids = await Promise.all(
      keys.map(async (key) => Number(text(await runtime.call(`${key}_pid`, {})))),
    );
    expect(new Set(pids).size).toBe(17);
    const echoed = await runtime.call('up17_echo', { text: 'seventeen' });
    expect(echoed.content[0]).toEqual({ type: 'text', text: 'seventeen' });

    const status = await runtime.call('scoped_mcp_status', {});
    expect(JSON.parse(text(status)).modules.broken.status).toBe('failed_startup');

    await runtime.stop();
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 3_000);
  }, 20_000);
});
