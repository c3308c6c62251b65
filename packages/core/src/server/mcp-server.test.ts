import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { echoModule, RUNTIME } from '../__fixtures__/runtime-fixtures.js';
import { createHarness, moduleInstance } from '@scoped-mcp/testing';
import { defineModule, defineTool, rawResult } from '../module/define.js';
import type { OversizeLine } from '../shared/line-framer.js';
import { CallsInFlight } from './calls-in-flight.js';
import { ClientBridge, createMcpServer, stdioServerTransport } from './mcp-server.js';

const aborts: string[] = [];
/** Resolvers for tests waiting until a `slow_wait` handler is running (the SDK starts it asynchronously). */
const onWaitStarted: (() => void)[] = [];
const waitStarted = () => new Promise<void>((resolve) => onWaitStarted.push(resolve));
const slowModule = defineModule({
  name: 'slow',
  description: 'waits',
  config: z.strictObject({}),
  tools: {
    wait: defineTool({
      mode: 'read',
      description: 'Waits until aborted.',
      input: z.strictObject({}),
      handler: (_args, { signal }) =>
        new Promise<string>((resolve) => {
          for (const started of onWaitStarted.splice(0)) started();
          signal.addEventListener('abort', () => {
            aborts.push(String(signal.reason));
            resolve('aborted');
          });
        }),
    }),
    malformed: defineTool({
      mode: 'read',
      description: 'Returns a result the SDK refuses (a text block without text).',
      input: z.strictObject({}),
      handler: () => rawResult({ content: [{ type: 'text' }] } as never),
    }),
    extra_keys: defineTool({
      mode: 'read',
      description: 'Returns a block with a key the SDK drops, and no content list at top level.',
      input: z.strictObject({ listless: z.boolean().optional() }),
      handler: ({ listless }) =>
        rawResult(
          (listless
            ? { structuredContent: { a: 1 } }
            : { content: [{ type: 'text', text: 'ok', hidden: 'dropped' }], extra: 'kept' }) as never,
        ),
    }),
    halfway: defineTool({
      mode: 'read',
      description: 'Reports progress, then answers.',
      input: z.strictObject({}),
      handler: async (_args, { client }) => {
        await client.progress(1, 2, 'half');
        return 'done';
      },
    }),
  },
});

interface Served {
  /** Sends one raw line and returns the next line written back (undefined when none comes within 300 ms). */
  ask(line: string): Promise<string | undefined>;
  send(line: string): void;
  next(timeoutMs?: number): Promise<string | undefined>;
  close(): Promise<void>;
  start(): Promise<void>;
  /** Stops and resumes reading stdout, as a client that stops reading its answers. */
  pause(): void;
  resume(): void;
  /** Audit lines written so far (one per finished call). */
  readonly audit: readonly Record<string, unknown>[];
  readonly calls: CallsInFlight;
}

interface ServeOptions {
  readonly start?: boolean;
  readonly maxInFlight?: number;
  readonly maxQueued?: number;
  /** stdout's high-water mark (default Node's 16 KiB). */
  readonly highWaterMark?: number;
  readonly maxMessageBytes?: number;
}

/** The runtime behind the SDK's server and stdio transport, spoken to in raw JSON-RPC lines. */
async function serve(options: ServeOptions = {}): Promise<Served> {
  const { runtime, audit } = createHarness(
    [moduleInstance('echo', echoModule), moduleInstance('slow', slowModule)],
    RUNTIME,
  );
  if (options.start !== false) await runtime.start();
  const bridge = new ClientBridge();
  const calls = new CallsInFlight({
    maxInFlight: options.maxInFlight ?? 16,
    maxQueued: options.maxQueued ?? 64,
  });
  const server = createMcpServer(runtime, bridge, { name: 'scoped-mcp', version: '0.0.0' }, calls);
  const stdin = new PassThrough();
  const stdout = new PassThrough(
    options.highWaterMark === undefined ? {} : { highWaterMark: options.highWaterMark },
  );
  const { transport } = stdioServerTransport({
    input: stdin,
    output: stdout,
    ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
  });
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let partial = '';
  stdout.on('data', (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    let end = partial.indexOf('\n');
    while (end !== -1) {
      const line = partial.slice(0, end);
      partial = partial.slice(end + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
      end = partial.indexOf('\n');
    }
  });
  const next = (timeoutMs = 300) =>
    lines.length > 0
      ? Promise.resolve(lines.shift())
      : new Promise<string | undefined>((resolve) => {
          const waiter = (line: string) => {
            clearTimeout(timer);
            resolve(line);
          };
          const timer = setTimeout(() => {
            waiters.splice(waiters.indexOf(waiter), 1);
            resolve(undefined);
          }, timeoutMs);
          waiters.push(waiter);
        });
  await server.connect(calls.watch(transport));
  const send = (line: string) => stdin.write(`${line}\n`);
  const served = {
    send,
    next,
    ask: (line: string) => {
      send(line);
      return next();
    },
    close: () => server.close(),
    start: async () => {
      await runtime.start();
    },
    pause: () => stdout.pause(),
    resume: () => stdout.resume(),
    audit,
    calls,
  };
  await served.ask(
    JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  );
  send(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  return served;
}

const call = (id: unknown, params: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params, ...extra });
const hello = call(1, { name: 'echo_say', arguments: { text: 'hello', times: 2 } });

describe('the MCP server over the runtime', () => {
  it("answers tools/call with the tool's result", async () => {
    const served = await serve();
    expect(JSON.parse((await served.ask(hello))!)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: { content: [{ type: 'text', text: 'hellohello' }] },
    });
    const unknown = JSON.parse((await served.ask(call(4, { name: 'no_such_tool', arguments: {} })))!);
    expect(unknown.result.isError).toBe(true);
    expect(unknown.result.content[0].text).toMatch(/^Unknown tool 'no_such_tool'/);
    await served.close();
  });

  it("checks and normalises results against CallToolResultSchema, as the SDK's server does", async () => {
    const served = await serve();
    const malformed = JSON.parse((await served.ask(call(17, { name: 'slow_malformed', arguments: {} })))!);
    expect(malformed).toMatchObject({ id: 17, error: { code: -32602 } });
    expect(malformed.error.message).toMatch(/Invalid tools\/call result/);
    expect(JSON.parse((await served.ask(call(18, { name: 'slow_extra_keys', arguments: {} })))!)).toEqual({
      jsonrpc: '2.0',
      id: 18,
      result: { content: [{ type: 'text', text: 'ok' }], extra: 'kept' },
    });
    const listless = call(19, { name: 'slow_extra_keys', arguments: { listless: true } });
    expect(JSON.parse((await served.ask(listless))!)).toEqual({
      jsonrpc: '2.0',
      id: 19,
      result: { content: [], structuredContent: { a: 1 } },
    });
    await served.close();
  });

  it('holds requests until startup is over, then answers them', async () => {
    const served = await serve({ start: false });
    const answer = served.ask(hello);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await served.start();
    expect(JSON.parse((await answer)!).result.content[0].text).toBe('hellohello');
    expect(JSON.parse((await served.ask(hello))!).result.content[0].text).toBe('hellohello');
    await served.close();
  });

  it('aborts a call on notifications/cancelled with its reason, and sends no answer for it', async () => {
    const served = await serve();
    aborts.length = 0;
    const started = waitStarted();
    served.send(call(21, { name: 'slow_wait', arguments: {} }));
    await started;
    served.send(
      JSON.stringify({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: 21, reason: 'user pressed stop' },
      }),
    );
    // The next line written is the answer to the next request: call 21 got none.
    expect(JSON.parse((await served.ask(hello))!).id).toBe(1);
    expect(aborts).toEqual(['user pressed stop']);
    await served.close();
  });

  it('aborts calls still running when the connection closes', async () => {
    const served = await serve();
    aborts.length = 0;
    const started = waitStarted();
    served.send(call(22, { name: 'slow_wait', arguments: {} }));
    await started;
    await served.close();
    expect(aborts).toHaveLength(1);
  });

  it('sends progress notifications for the call before its answer', async () => {
    const served = await serve();
    served.send(call(23, { name: 'slow_halfway', arguments: {}, _meta: { progressToken: 'p-1' } }));
    expect(JSON.parse((await served.next())!)).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 'p-1', progress: 1, total: 2, message: 'half' },
    });
    expect(JSON.parse((await served.next())!)).toMatchObject({
      id: 23,
      result: { content: [{ text: 'done' }] },
    });
    await served.close();
  });
});

describe('calls in flight over stdio', () => {
  const waitFor = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  it('refuses a call at once when every slot and the queue are taken, with the code and the limit', async () => {
    const served = await serve({ maxInFlight: 1, maxQueued: 0 });
    const started = waitStarted();
    served.send(call(30, { name: 'slow_wait', arguments: {} }));
    await started;
    const busy = JSON.parse((await served.ask(hello))!);
    expect(busy).toMatchObject({ id: 1, result: { isError: true } });
    expect(busy.result.content[0].text).toMatch(/^Server busy: 1 calls are running and 0 are waiting/);
    expect(busy.result._meta).toEqual({
      'scoped-mcp/error': { code: 'SMCP_SERVER_BUSY', limit: { name: 'max_queued_calls', value: 0 } },
    });
    expect(served.audit.at(-1)).toMatchObject({
      event: 'tool_error',
      tool: 'echo_say',
      error_code: 'SMCP_SERVER_BUSY',
    });
    served.send(
      JSON.stringify({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 30 } }),
    );
    await waitFor(() => served.calls.counts.running === 0);
    expect(JSON.parse((await served.ask(hello))!).result.content[0].text).toBe('hellohello');
    await served.close();
  });

  it('holds new calls back while the client does not read its answers, and runs them when it does', async () => {
    const served = await serve({ maxInFlight: 2, maxQueued: 10, highWaterMark: 64 });
    served.pause();
    const before = served.audit.length;
    for (let id = 40; id < 46; id++)
      served.send(call(id, { name: 'echo_say', arguments: { text: 'x'.repeat(100), times: 5 } }));
    await waitFor(() => served.audit.length - before >= 2 && served.calls.counts.queued === 4);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Two answers are written and wait for stdout to drain; the other four calls have not run.
    expect(served.audit.length - before).toBe(2);
    expect(served.calls.counts).toEqual({ running: 2, queued: 4 });
    served.resume();
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push(JSON.parse((await served.next(2000))!).id);
    expect(ids.sort()).toEqual([40, 41, 42, 43, 44, 45]);
    expect(served.calls.counts).toEqual({ running: 0, queued: 0 });
    await served.close();
  });

  it('stops reading a client that never reads once refusals fill the output past the message limit', async () => {
    const served = await serve({ maxInFlight: 1, maxQueued: 0, maxMessageBytes: 65_536 });
    const started = waitStarted();
    served.send(call(50, { name: 'slow_wait', arguments: {} }));
    await started;
    served.pause();
    const before = served.audit.length;
    // In batches, as reads from a pipe arrive: the answers to one are written before the next is read.
    for (let id = 1000; id < 3000; id += 100) {
      for (let k = id; k < id + 100; k++)
        served.send(call(k, { name: 'echo_say', arguments: { text: 'x' } }));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Each refusal is a few hundred bytes: reading stopped once about 64 KiB of them (plus what the
    // paused reader holds) waited, a few batches in, not after all 2000.
    const refusedWhilePaused = served.audit.length - before;
    expect(refusedWhilePaused).toBeGreaterThan(50);
    expect(refusedWhilePaused).toBeLessThan(600);
    served.resume();
    const answered = new Set<number>();
    while (answered.size < 2000) {
      const line = await served.next(2000);
      if (line === undefined) break;
      answered.add(JSON.parse(line).id);
    }
    expect(answered.size).toBe(2000);
    expect(served.audit.length - before).toBe(2000);
    await served.close();
  });
});

describe('stdioServerTransport', () => {
  it('frames lines across chunks, drops a trailing CR, and reports a bad line without stopping', async () => {
    const stdin = new PassThrough();
    const { transport } = stdioServerTransport({ input: stdin, output: new PassThrough() });
    const seen: unknown[] = [];
    const errors: string[] = [];
    transport.onmessage = (message) => seen.push(message);
    transport.onerror = (error) => errors.push(error.name);
    await transport.start();
    stdin.write('{"jsonrpc":"2.0","method":"a"}\r\n{"jsonrpc":"2.0",');
    stdin.write('"method":"b"}\nnot json\n{"jsonrpc":"2.0","id":1,"bad":true,"method":"c"}\n');
    stdin.write('{"jsonrpc":"2.0","method":"d"}\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual([
      { jsonrpc: '2.0', method: 'a' },
      { jsonrpc: '2.0', method: 'b' },
      { jsonrpc: '2.0', method: 'd' },
    ]);
    expect(errors).toEqual(['SyntaxError', 'ZodError']);
  });

  it('drops a message over the limit, reports it with the limit, and keeps reading', async () => {
    const stdin = new PassThrough();
    const oversize: [OversizeLine, number][] = [];
    const { transport } = stdioServerTransport({
      input: stdin,
      output: new PassThrough(),
      maxMessageBytes: 64,
      onOversize: (line, limit) => oversize.push([line, limit]),
    });
    const seen: unknown[] = [];
    const errors: string[] = [];
    let closed = false;
    transport.onmessage = (message) => seen.push(message);
    transport.onerror = (error) => errors.push(error.message);
    transport.onclose = () => {
      closed = true;
    };
    await transport.start();
    const exactly64 = `{"jsonrpc":"2.0","method":"${'m'.repeat(35)}"}`;
    expect(exactly64).toHaveLength(64);
    stdin.write(`{"jsonrpc":"2.0","id":5,"method":"${'x'.repeat(65)}`);
    stdin.write(`"}\n${exactly64}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(oversize.map(([line, limit]) => [line.bytes, limit])).toEqual([[101, 64]]);
    expect(oversize[0]![0].head.startsWith('{"jsonrpc":"2.0","id":5,')).toBe(true);
    expect(seen).toEqual([JSON.parse(exactly64)]);
    expect(errors).toEqual([]);
    expect(closed).toBe(false);
  });

  it('answers a dropped request with a JSON-RPC error under its id, or null; never a notification or response', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const written: string[] = [];
    stdout.on('data', (chunk: Buffer) => written.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    const answers: unknown[] = [];
    const { transport } = stdioServerTransport({
      input: stdin,
      output: stdout,
      maxMessageBytes: 64,
      onOversize: (_line, _limit, answer) => answers.push(answer),
    });
    transport.onmessage = () => undefined;
    await transport.start();
    const pad = 'x'.repeat(100);
    const first = `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"p":"${pad}"}}`;
    stdin.write(`${first}\n`);
    stdin.write(`{"method":"tools/call","params":{"p":"${pad}"},"jsonrpc":"2.0","id":"tail-7"}\n`);
    stdin.write(`{"method":"notifications/message","params":{"p":"${pad}"},"jsonrpc":"2.0"}\n`);
    stdin.write(`{"jsonrpc":"2.0","id":3,"result":{"p":"${pad}"}}\n`);
    stdin.write(`${pad}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    expect(answers).toEqual([
      { kind: 'request', answered: true },
      { kind: 'request', answered: true },
      { kind: 'notification', answered: false },
      { kind: 'response', answered: false },
      { kind: 'unknown', answered: true },
    ]);
    const parsed = written.map((line) => JSON.parse(line));
    expect(parsed.map((m) => m.id)).toEqual([5, 'tail-7', null]);
    expect(parsed[0]).toEqual({
      jsonrpc: '2.0',
      id: 5,
      error: {
        code: -32600,
        message: `Message of ${first.length} bytes is larger than this server reads (limits.max_message_bytes: 64); it was dropped unread.`,
        data: { code: 'SMCP_MESSAGE_TOO_LARGE', limit: { name: 'max_message_bytes', value: 64 } },
      },
    });
  });

  it('reports a failed write instead of throwing, and by default closes the transport', async () => {
    const failing = () =>
      new Writable({
        write(_chunk, _encoding, done) {
          done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        },
      });
    const seen: string[] = [];
    const reported = stdioServerTransport({
      input: new PassThrough(),
      output: failing(),
      onWriteError: (error) => seen.push(String(error.code)),
    });
    await reported.transport.start();
    void reported.transport.send({ jsonrpc: '2.0', method: 'a' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['EPIPE']);

    const closing = stdioServerTransport({ input: new PassThrough(), output: failing() });
    let closed = false;
    closing.transport.onclose = () => {
      closed = true;
    };
    await closing.transport.start();
    void closing.transport.send({ jsonrpc: '2.0', method: 'a' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(true);
  });

  it("ends its framed input when the client's input ends", async () => {
    const stdin = new PassThrough();
    const { transport, input } = stdioServerTransport({ input: stdin, output: new PassThrough() });
    const seen: unknown[] = [];
    transport.onmessage = (message) => seen.push(message);
    await transport.start();
    const ended = once(input, 'end');
    stdin.end('{"jsonrpc":"2.0","method":"last"}\n');
    await ended;
    expect(seen).toEqual([{ jsonrpc: '2.0', method: 'last' }]);
  });

  it('waits for drain when the client reads slowly', async () => {
    const stdout = new PassThrough({ highWaterMark: 16 });
    const { transport } = stdioServerTransport({ input: new PassThrough(), output: stdout });
    let sent = false;
    const sending = transport.send({ jsonrpc: '2.0', method: 'x'.repeat(64) }).then(() => {
      sent = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toBe(false);
    stdout.read();
    await Promise.race([sending, once(stdout, 'drain')]);
    await sending;
    expect(sent).toBe(true);
  });
});
