import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  clientErrorsBesidesProgressRace,
  everythingConfig,
  eventually,
  exitWithin,
  fixtureConfig,
  type HttpUpstream,
  isUpstreamGuard,
  killAll,
  LAUNCHER_UPSTREAM,
  type ProcessEntry,
  processesMentioning,
  processTree,
  type ProxyAgent,
  type AgentSession,
  connectAgent,
  readEvents,
  STDIO_UPSTREAM,
  startAgent,
  startHttpUpstream,
  waitForTreeGone,
  withoutGuards,
  writeManifest,
} from '../fixtures/upstreams/proxy-support.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/** The budget: scoped-mcp and every upstream gone within 3 s of stdin EOF or a signal. */
const EXIT_BUDGET_MS = 3000;
/**
 * After scoped-mcp has exited, how long a descendant may still take to notice (a grandchild sees stdin EOF
 * only when its parent's pipes close). A safety margin for "nothing survives", not a latency claim.
 */
const ORPHAN_GRACE_MS = 1000;

type Status = { modules: Record<string, { status: string; tool_count: number }>; healthy: boolean };

describe('mcp_proxy lifecycle', () => {
  let dir: string;
  let agent: AgentSession | undefined;
  let tree: ProcessEntry[] = [];
  let http: HttpUpstream | undefined;

  beforeEach(async () => {
    dir = await makeTempDir('proxy-life');
    tree = [];
  });
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
    killAll(tree);
    await http?.close();
    http = undefined;
    await removeTempDir(dir);
  });

  /** Tags a fixture's command line with this test's directory, so orphans can be found in the table. */
  const tagged = (program = STDIO_UPSTREAM) => ({ args: [program, `--tag=${dir}`] });

  async function start(modules: Parameters<typeof writeManifest>[1], env: Record<string, string> = {}) {
    const manifest = await writeManifest(dir, modules);
    const running = await startAgent({ manifest, dir, env });
    agent = running;
    return running;
  }

  /** The manifest's server in memory, for how the proxy handles its upstreams (not how its process ends). */
  async function connect(modules: Parameters<typeof writeManifest>[1]) {
    const manifest = await writeManifest(dir, modules);
    agent = await connectAgent({ manifest, dir });
    return agent;
  }

  describe('a crashed stdio upstream', () => {
    it('kill -9 mid-call: the pending call fails (no hang), the next calls work after the restart', async () => {
      const events = join(dir, 'events.jsonl');
      const running = await connect({
        fx: { config: fixtureConfig({ FIXTURE_EVENTS: events }, { restart: { max_backoff_seconds: 1 } }) },
      });
      const call = running.call('fx_slow', { ms: 20_000 });
      const started = await eventually(
        async () => (await readEvents(events)).find((e) => e.event === 'slow_started'),
        'the slow call to reach the upstream',
      );
      process.kill(started.pid, 'SIGKILL');
      const failed = await call;
      expect(failed.isError).toBe(true);
      expect(failed.text.split('\n')).toHaveLength(1);
      const recovered = await eventually(async () => {
        const result = await running.call('fx_whoami');
        return result.isError ? undefined : result.json<{ pid: number }>();
      }, 'a call to succeed after the restart');
      expect(recovered.pid).not.toBe(started.pid);
      expect((await running.call('fx_echo', { message: 'back' })).text).toBe('echo: back');
      expect(clientErrorsBesidesProgressRace(running.clientErrors)).toEqual([]);
    });

    it('calls during the restart gap fail with a clear, retryable error; service resumes when the upstream can start', async () => {
      const blocker = join(dir, 'no-start');
      const running = await connect({
        fx: {
          config: fixtureConfig(
            { FIXTURE_FAIL_START_FILE: blocker },
            { restart: { max_backoff_seconds: 1 } },
          ),
        },
      });
      const { pid } = (await running.call('fx_whoami')).json<{ pid: number }>();
      await writeFile(blocker, '');
      process.kill(pid, 'SIGKILL');
      // While every restart attempt fails, calls fail fast with a message the agent can act on.
      for (let i = 0; i < 3; i++) {
        const gap = await running.call('fx_echo', { message: 'gap' });
        expect(gap.isError).toBe(true);
        expect(gap.text).toMatch(
          /restart|unavailable|not (yet )?(running|connected|available)|retry|try again/i,
        );
        expect(gap.text.split('\n')).toHaveLength(1);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      const status = (await running.call('scoped_mcp_status')).json<Status>();
      expect(status.modules.fx).toBeDefined();
      await rm(blocker);
      const back = await eventually(async () => {
        const result = await running.call('fx_echo', { message: 'resumed' });
        return result.isError ? undefined : result;
      }, 'the upstream to come back');
      expect(back.text).toBe('echo: resumed');
    });

    it('an upstream that exits in the middle of a call: error for that call, then restart', async () => {
      const running = await connect({
        fx: { config: fixtureConfig({}, { restart: { max_backoff_seconds: 1 } }) },
      });
      const crashed = await running.call('fx_crash');
      expect(crashed.isError).toBe(true);
      const again = await eventually(async () => {
        const result = await running.call('fx_echo', { message: 'again' });
        return result.isError ? undefined : result;
      }, 'the upstream to be restarted');
      expect(again.text).toBe('echo: again');
    });
  });

  describe('startup', () => {
    it('17 stdio upstreams start concurrently (each waits for all 17 before answering initialize)', async () => {
      const barrier = join(dir, 'barrier');
      await mkdir(barrier);
      const events = join(dir, 'events.jsonl');
      const modules: Parameters<typeof writeManifest>[1] = {};
      for (let i = 1; i <= 17; i++) {
        modules[`up${i}`] = {
          config: fixtureConfig(
            {
              FIXTURE_NAME: `up${i}`,
              FIXTURE_TOOLSET: 'echo',
              FIXTURE_BARRIER_DIR: barrier,
              FIXTURE_BARRIER_COUNT: '17',
              FIXTURE_EVENTS: events,
            },
            { discovery_timeout_seconds: 60, ...tagged() },
          ),
        };
      }
      const running = await start(modules);
      const status = (await running.call('scoped_mcp_status')).json<Status>();
      expect(Object.values(status.modules).map((m) => m.status)).toEqual(Array(17).fill('running'));
      const names = await running.toolNames();
      expect(names).toHaveLength(17 * 2 + 1);
      for (let i = 1; i <= 17; i++) {
        expect((await running.call(`up${i}_echo`, { message: `n${i}` })).text).toBe(`echo: n${i}`);
      }
      expect((await readEvents(events)).filter((e) => e.event === 'barrier_passed')).toHaveLength(17);

      tree = await processTree(running.pid);
      // scoped-mcp and 17 upstreams, each with its group guard.
      expect(withoutGuards(tree).length).toBe(18);
      expect(tree.filter(isUpstreamGuard).length).toBe(17);
      running.endStdin();
      expect(await exitWithin(running, EXIT_BUDGET_MS)).toEqual({ code: 0, signal: null });
      expect(await waitForTreeGone(tree, ORPHAN_GRACE_MS)).toEqual([]);
      expect(await processesMentioning(dir)).toEqual([]);
    }, 90_000);

    it('one upstream failing to start leaves the others serving and shows in scoped_mcp_status', async () => {
      const running = await connect({
        good: { config: fixtureConfig({ FIXTURE_TOOLSET: 'echo' }) },
        bad: { config: fixtureConfig({ FIXTURE_FAIL_START: '1' }, { discovery_timeout_seconds: 3 }) },
        missing: { config: { command: join(dir, 'no-such-program'), discovery_timeout_seconds: 3 } },
      });
      expect((await running.call('good_echo', { message: 'fine' })).text).toBe('echo: fine');
      const status = (await running.call('scoped_mcp_status')).json<Status>();
      expect(status.modules.good?.status).toBe('running');
      expect(status.modules.bad?.status).toMatch(/^failed/);
      expect(status.modules.missing?.status).toMatch(/^failed/);
      expect(status.healthy).toBe(false);
      const statusText = JSON.stringify(status);
      expect(statusText).not.toContain(dir);
    });
  });

  describe('no orphans', () => {
    /** scoped-mcp with a direct stdio upstream, one behind a launcher (a grandchild), server-everything and an HTTP upstream. */
    async function startTree(): Promise<ProxyAgent> {
      http = await startHttpUpstream(dir);
      const running = await start({
        direct: { config: fixtureConfig({ FIXTURE_TOOLSET: 'echo' }, tagged()) },
        launched: { config: fixtureConfig({ FIXTURE_TOOLSET: 'echo' }, tagged(LAUNCHER_UPSTREAM)) },
        ev: { config: everythingConfig() },
        web: { config: { url: http.url } },
      });
      for (const tool of ['direct_whoami', 'launched_whoami'])
        expect((await running.call(tool)).isError).toBe(false);
      expect((await running.call('ev_echo', { message: 'x' })).isError).toBe(false);
      expect((await running.call('web_echo', { message: 'x' })).isError).toBe(false);
      tree = await processTree(running.pid);
      // scoped-mcp, direct, launcher + its server, server-everything.
      expect(withoutGuards(tree).length).toBeGreaterThanOrEqual(5);
      return running;
    }

    it.each([['stdin EOF'], ['SIGTERM'], ['SIGINT']] as const)(
      '%s: scoped-mcp exits within 3 s and no process of its tree survives',
      async (how) => {
        const running = await startTree();
        const webSessions = async () =>
          (await readEvents(http!.eventsFile)).filter((e) => e.event === 'http_session_end').length;
        if (how === 'stdin EOF') running.endStdin();
        else process.kill(running.pid, how);
        expect(await exitWithin(running, EXIT_BUDGET_MS)).toEqual({ code: 0, signal: null });
        expect(await waitForTreeGone(tree, ORPHAN_GRACE_MS)).toEqual([]);
        expect(await processesMentioning(dir)).toEqual([]);
        expect(await webSessions()).toBe(1);
      },
      30_000,
    );

    it('an upstream that ignores stdin EOF and SIGTERM is still gone within the budget', async () => {
      const running = await start({
        stubborn: { config: fixtureConfig({ FIXTURE_TOOLSET: 'echo', FIXTURE_STUBBORN: '1' }, tagged()) },
        direct: { config: fixtureConfig({ FIXTURE_TOOLSET: 'echo' }, tagged()) },
      });
      expect((await running.call('stubborn_echo', { message: 'x' })).isError).toBe(false);
      tree = await processTree(running.pid);
      expect(withoutGuards(tree).length).toBe(3);
      expect(tree.filter(isUpstreamGuard).length).toBe(2);
      running.endStdin();
      expect(await exitWithin(running, EXIT_BUDGET_MS)).toEqual({ code: 0, signal: null });
      expect(await waitForTreeGone(tree, ORPHAN_GRACE_MS)).toEqual([]);
      expect(await processesMentioning(dir)).toEqual([]);
    });

    it('after SIGKILL of scoped-mcp, stubborn upstreams and their children are gone within 2 s', async () => {
      const events = join(dir, 'events.jsonl');
      const stubborn = { FIXTURE_TOOLSET: 'echo', FIXTURE_STUBBORN: '1', FIXTURE_EVENTS: events };
      const running = await start({
        // Ignores stdin EOF and SIGTERM, and starts a child that does too and has no pipe to anyone.
        forking: { config: fixtureConfig({ ...stubborn, FIXTURE_FORK_CHILD: '1' }, tagged()) },
        // A wrapper (like npx) whose stubborn server is a grandchild of scoped-mcp.
        launched: { config: fixtureConfig(stubborn, tagged(LAUNCHER_UPSTREAM)) },
      });
      const pids = [
        (await running.call('forking_whoami')).json<{ pid: number }>().pid,
        (await running.call('launched_whoami')).json<{ pid: number }>().pid,
      ];
      const forked = await eventually(
        async () => (await readEvents(events)).find((e) => e.event === 'child_forked'),
        'the upstream to start its child',
      );
      pids.push(forked.child_pid as number);
      tree = await processTree(running.pid);
      const upstreams = tree.filter((entry) => pids.includes(entry.pid));
      expect(upstreams).toHaveLength(3);

      process.kill(running.pid, 'SIGKILL');
      expect(await exitWithin(running, EXIT_BUDGET_MS)).toEqual({ code: null, signal: 'SIGKILL' });
      expect(await waitForTreeGone(upstreams, 2000)).toEqual([]);
      expect(await waitForTreeGone(tree, ORPHAN_GRACE_MS)).toEqual([]);
      expect(await processesMentioning(dir)).toEqual([]);
    });

    it.each([0, 100, 400])(
      'an upstream that crashes %i ms before stdin closes is not restarted behind scoped-mcp',
      async (delayMs) => {
        const running = await start({
          fx: { config: fixtureConfig({}, { restart: { max_backoff_seconds: 1 }, ...tagged() }) },
        });
        const { pid } = (await running.call('fx_whoami')).json<{ pid: number }>();
        process.kill(pid, 'SIGKILL');
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        running.endStdin();
        expect(await exitWithin(running, EXIT_BUDGET_MS)).toEqual({ code: 0, signal: null });
        // A restart scheduled before shutdown must not spawn an upstream afterwards.
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const left = await processesMentioning(dir);
        tree = left;
        expect(left).toEqual([]);
      },
    );

    it('closing stdin while a call is in flight still leaves nothing behind', async () => {
      const running = await start({ fx: { config: fixtureConfig({}, tagged()) } });
      expect((await running.call('fx_whoami')).isError).toBe(false);
      tree = await processTree(running.pid);
      void running.call('fx_slow', { ms: 30_000 }).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      running.endStdin();
      expect(await exitWithin(running, EXIT_BUDGET_MS)).toEqual({ code: 0, signal: null });
      expect(await waitForTreeGone(tree, ORPHAN_GRACE_MS)).toEqual([]);
    });
  });
});
