import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fixtureConfig,
  killAll,
  type ProcessEntry,
  processesMentioning,
  processTree,
  STDIO_UPSTREAM,
  waitForTreeGone,
  writeManifest,
} from '../fixtures/upstreams/proxy-support.js';
import { type RawAgent, type RawLine, startRawAgent } from '../helpers/raw-agent.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

// What one process does under load and bad input from its client: calls in flight bounded and held while
// stdout drains, over-long requests answered, deep arguments refused before any tool, write failures on
// stdout ending the process in order. Each case failed on the code before these bounds (see the notes).

const AGENT = 'bounds-1';
/** 900 KB of text: an answer carries it twice (text and structuredContent), about 1.8 MB. */
const FILE_BYTES = 900_000;
const EXIT_BUDGET_MS = 3000;

const readCall = (id: number, path = 'big.txt') => ({
  id,
  method: 'tools/call',
  params: { name: 'filesystem_read_file', arguments: { path } },
});

function errorCode(line: RawLine): string | undefined {
  const result = line.message?.result as { _meta?: Record<string, { code?: string }> } | undefined;
  return result?._meta?.['scoped-mcp/error']?.code;
}

function exitWithin(agent: RawAgent, ms: number) {
  return Promise.race([
    agent.exited,
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms)),
  ]);
}

describe('one process under load and bad input', () => {
  let dir: string;
  let agent: RawAgent | undefined;
  let tree: ProcessEntry[] = [];

  beforeEach(async () => {
    dir = await makeTempDir('bounds');
    tree = [];
  });
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
    killAll(tree);
    await removeTempDir(dir);
  });

  async function startFilesystem(): Promise<RawAgent> {
    const files = join(dir, 'files', 'agents', AGENT);
    await mkdir(files, { recursive: true });
    await writeFile(join(files, 'big.txt'), 'abcdefghij'.repeat(FILE_BYTES / 10));
    const manifest = join(dir, 'fs-agent.yml');
    await writeFile(
      manifest,
      `agent_type: build\nmodules:\n  filesystem:\n    config:\n      base_path: ${JSON.stringify(join(dir, 'files'))}\n`,
    );
    agent = await startRawAgent({ manifest, dir, agentId: AGENT });
    return agent;
  }

  // Before: RSS passed 3.6 GB and the process died of an uncaught `write ENOBUFS` (every answer piled up
  // in stdout's buffer until one writev exceeded 2 GB), answering 1 of the 1000.
  it('1000 concurrent reads of a 900 KB file: every call answered, at most 80 admitted, RSS bounded', async () => {
    const running = await startFilesystem();
    const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
    await running.write(ids.map((id) => `${JSON.stringify({ jsonrpc: '2.0', ...readCall(id) })}\n`).join(''));
    const answers = await Promise.all(ids.map((id) => running.response(id, 60_000)));
    const read = answers.filter((line) => line.bytes > FILE_BYTES);
    const busy = answers.filter((line) => errorCode(line) === 'SMCP_SERVER_BUSY');
    // 16 in flight and 64 queued by default: those are served; the rest is refused at once.
    expect(read.length + busy.length).toBe(1000);
    expect(read.length).toBeGreaterThanOrEqual(80);
    const refusal = busy[0]!.message!.result as { content: { text: string }[]; _meta: unknown };
    expect(refusal.content[0]!.text).toMatch(/^Server busy: 16 calls are running and 64 are waiting/);
    expect(refusal._meta).toEqual({
      'scoped-mcp/error': { code: 'SMCP_SERVER_BUSY', limit: { name: 'max_queued_calls', value: 64 } },
    });
    // As an agent would: retry refused calls once earlier ones have answered. They are served.
    const retries = busy.slice(0, 40).map((_, i) => 5000 + i);
    await running.write(
      retries.map((id) => `${JSON.stringify({ jsonrpc: '2.0', ...readCall(id) })}\n`).join(''),
    );
    for (const line of await Promise.all(retries.map((id) => running.response(id, 60_000))))
      expect(line.bytes).toBeGreaterThan(FILE_BYTES);
    // A generous bound: what is live is about 16 answers in flight (30 MB of text), but V8 collects large
    // strings lazily, so the peak measured 340-510 MiB; without the bound the process passed 3.6 GB and
    // crashed.
    expect(running.peakRssMiB()).toBeLessThan(768);
    await running.close();
    expect(await running.exited).toEqual({ code: 0, signal: null });
    const events = (await running.ops()).map((line) => line.event);
    expect(events).not.toContain('uncaught_exception');
    expect(events).not.toContain('stdout_write_failed');
  }, 120_000);

  // Before: an uncaught `write EPIPE` (logged as uncaught_exception), then exit.
  it('a client that closes its end of stdout while answers are pending: stdout_write_failed, orderly exit', async () => {
    const running = await startFilesystem();
    await running.write(
      Array.from(
        { length: 40 },
        (_, i) => `${JSON.stringify({ jsonrpc: '2.0', ...readCall(i + 1) })}\n`,
      ).join(''),
    );
    await running.response(1, 30_000);
    running.child.stdout!.destroy();
    expect(await exitWithin(running, EXIT_BUDGET_MS)).toEqual({ code: 1, signal: null });
    const ops = await running.ops();
    expect(ops.filter((line) => line.event === 'stdout_write_failed')).toEqual([
      expect.objectContaining({ level: 'error', error_code: 'EPIPE' }),
    ]);
    expect(ops.find((line) => line.event === 'shutdown')).toMatchObject({ reason: 'stdout_write_failed' });
    expect(ops.map((line) => line.event)).toContain('shutdown_complete');
    expect(ops.map((line) => line.event)).not.toContain('uncaught_exception');
    expect(running.stderr()).not.toMatch(/EPIPE|Error/);
  });

  describe('with an mcp_proxy stdio upstream', () => {
    async function startProxy(): Promise<{ agent: RawAgent; upstreamPid: number }> {
      const manifest = await writeManifest(dir, {
        fx: { config: fixtureConfig({}, { args: [STDIO_UPSTREAM, `--tag=${dir}`] }) },
      });
      const running = await startRawAgent({ manifest, dir, agentId: 'proxy-bounds', agentType: 'proxy' });
      agent = running;
      await running.send({ id: 'who', method: 'tools/call', params: { name: 'fx_whoami', arguments: {} } });
      const who = (await running.response('who')).message!.result as { content: { text: string }[] };
      const upstreamPid = (JSON.parse(who.content[0]!.text) as { pid: number }).pid;
      tree = await processTree(running.pid);
      return { agent: running, upstreamPid };
    }

    async function upstreamPidNow(running: RawAgent, id: string): Promise<number> {
      await running.send({ id, method: 'tools/call', params: { name: 'fx_whoami', arguments: {} } });
      const who = (await running.response(id)).message!.result as { content: { text: string }[] };
      return (JSON.parse(who.content[0]!.text) as { pid: number }).pid;
    }

    // Before: the line was dropped and logged, and the client waited for its answer for ever.
    it('a request over the message limit is answered with -32600 under its id; serving and EOF still work', async () => {
      const { agent: running, upstreamPid } = await startProxy();
      const limit = 10 * 1024 * 1024;
      // The TypeScript SDK's order: the id comes last, so it is read from the line's tail.
      const pad = 'x'.repeat(limit);
      const huge = `{"method":"tools/call","params":{"name":"fx_echo","arguments":{"message":"${pad}"}},"jsonrpc":"2.0","id":"huge-1"}`;
      await running.write(`${huge}\n`);
      const answer = await running.response('huge-1');
      const bytes = huge.length;
      expect(answer.message).toEqual({
        jsonrpc: '2.0',
        id: 'huge-1',
        error: {
          code: -32600,
          message: `Message of ${bytes} bytes is larger than this server reads (limits.max_message_bytes: ${limit}); it was dropped unread.`,
          data: { code: 'SMCP_MESSAGE_TOO_LARGE', limit: { name: 'max_message_bytes', value: limit } },
        },
      });
      // A line whose id cannot be read is answered under null.
      await running.write(`${'y'.repeat(limit + 1)}\n`);
      expect((await running.response(null)).message).toMatchObject({ id: null, error: { code: -32600 } });
      await running.send({
        id: 'after',
        method: 'tools/call',
        params: { name: 'fx_echo', arguments: { message: 'hi' } },
      });
      expect((await running.response('after')).message).toMatchObject({
        result: { content: [{ type: 'text', text: 'echo: hi' }] },
      });
      expect(await upstreamPidNow(running, 'who-2')).toBe(upstreamPid);
      const ops = await running.ops();
      expect(ops.filter((line) => line.event === 'message_too_large')).toEqual([
        expect.objectContaining({ level: 'warn', bytes, limit, kind: 'request', answered: true }),
        expect.objectContaining({ bytes: limit + 1, kind: 'unknown', answered: true }),
      ]);
      expect(JSON.stringify(ops)).not.toContain('xxxxxxxx');
      running.child.stdin!.end();
      expect(await exitWithin(running, EXIT_BUDGET_MS)).toEqual({ code: 0, signal: null });
      expect(await waitForTreeGone(tree, 1000)).toEqual([]);
      expect(await processesMentioning(dir)).toEqual([]);
    }, 60_000);

    // Before: the proxy could not write the arguments to its upstream (JSON.stringify overflows the stack
    // at that depth), took the upstream for dead, killed and restarted it, and failed the calls in flight.
    it.each([
      ['arrays', (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`],
      ['objects', (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`],
    ])(
      'arguments nested 8,000 levels deep (%s) are refused in core; the upstream is left alone',
      async (_kind, deep) => {
        const { agent: running, upstreamPid } = await startProxy();
        await running.send({
          id: 'slow',
          method: 'tools/call',
          params: { name: 'fx_slow', arguments: { ms: 1500 } },
        });
        const text = deep(8000);
        expect(text.length).toBeGreaterThanOrEqual(16_000);
        await running.write(
          `{"jsonrpc":"2.0","id":"deep","method":"tools/call","params":{"name":"fx_echo","arguments":{"message":"m","extra":${text}}}}\n`,
        );
        const refused = (await running.response('deep')).message!.result as Record<string, unknown>;
        expect(refused).toEqual({
          content: [
            {
              type: 'text',
              text: "Arguments for 'fx_echo' nest deeper than 64 levels of objects and arrays (limits.max_argument_depth); send flatter arguments.",
            },
          ],
          isError: true,
          _meta: {
            'scoped-mcp/error': { code: 'SMCP_TOOL_INPUT', limit: { name: 'max_argument_depth', value: 64 } },
          },
        });
        expect((await running.response('slow')).message).toMatchObject({
          result: { content: [{ type: 'text', text: 'slept 1500' }] },
        });
        expect(await upstreamPidNow(running, 'who-2')).toBe(upstreamPid);
        const events = (await running.ops()).map((line) => line.event);
        expect(events).not.toContain('mcp_proxy_upstream_lost');
        expect(events).not.toContain('mcp_proxy_upstream_restarted');
      },
      60_000,
    );
  });
});
