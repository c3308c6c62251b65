import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { echoModule, instance, makeRuntime } from '../__fixtures__/runtime-fixtures.js';
import { defineModule, defineTool, rawResult } from '../module/define.js';
import { ClientBridge } from './client-bridge.js';
import { fastToolCalls } from './fast-tool-call.js';
import { createMcpServer } from './mcp-adapter.js';
import { StdioTransport } from './stdio-transport.js';

const aborts: string[] = [];
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
  claimed: boolean[];
  errors: string[];
  close(): Promise<void>;
}

async function serve(options: {
  fast: boolean;
  start?: boolean;
}): Promise<Served & { start(): Promise<void> }> {
  const { runtime } = makeRuntime([instance('echo', echoModule), instance('slow', slowModule)]);
  if (options.start !== false) await runtime.start();
  const bridge = new ClientBridge();
  const server = createMcpServer(runtime, bridge, { name: 'scoped-mcp', version: '0.0.0' });
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const claimed: boolean[] = [];
  const errors: string[] = [];
  const fast = fastToolCalls(server, runtime, bridge, (message) => transport.send(message));
  const transport = new StdioTransport(
    options.fast
      ? {
          intercept: (message) => {
            const took = fast.intercept(message);
            claimed.push(took);
            return took;
          },
          onClosed: fast.closed,
        }
      : {},
    stdin,
    stdout,
  );
  transport.onerror = (error) => errors.push(error.message);
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
  await server.connect(transport);
  const send = (line: string) => stdin.write(`${line}\n`);
  const served = {
    send,
    next,
    ask: (line: string) => {
      send(line);
      return next();
    },
    claimed,
    errors,
    close: () => server.close(),
    start: async () => {
      await runtime.start();
    },
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
  claimed.length = 0;
  return served;
}

const call = (id: unknown, params: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params, ...extra });

// Plain requests: the fast path takes them. The rest: it must decline, and the SDK answers as it always did.
const plain = [
  call(1, { name: 'echo_say', arguments: { text: 'hello', times: 2 } }),
  call('str-id', { name: 'echo_say', arguments: { text: 'x' } }),
  call(2, { name: 'echo_say', arguments: { text: 'y'.repeat(101) } }),
  call(3, { name: 'echo_say' }),
  call(4, { name: 'no_such_tool', arguments: {} }),
  call(5, { name: 'scoped_mcp_status', arguments: {} }),
  call(6, { name: 'echo_store', arguments: { key: 'k', value: { deep: [1, 'é✓😀'] } } }),
  call(7, { name: 'echo_say', arguments: { text: 'm' }, _meta: { 'claudecode/toolUseId': 'tu_1' } }),
  call(17, { name: 'slow_malformed', arguments: {} }),
  call(18, { name: 'slow_extra_keys', arguments: {} }),
  call(19, { name: 'slow_extra_keys', arguments: { listless: true } }),
];
const unusual = [
  call(1.5, { name: 'echo_say', arguments: { text: 'x' } }),
  call(8, { name: 42, arguments: {} }),
  call(9, { name: 'echo_say', arguments: ['x'] }),
  call(10, { name: 'echo_say', arguments: null }),
  call(11, { name: 'echo_say', arguments: { text: 'x' } }, { extra: true }),
  call(12, { name: 'echo_say', arguments: { text: 'x' }, task: { ttl: 1000 } }),
  call(13, { name: 'echo_say', arguments: { text: 'x' }, _meta: { progressToken: 1.5 } }),
  call(14, { name: 'echo_say', arguments: { text: 'x' }, unknownParam: 1 }),
  call(15, {
    name: 'echo_say',
    arguments: { text: 'x' },
    _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't1' } },
  }),
  JSON.stringify({ jsonrpc: '1.0', id: 16, method: 'tools/call', params: { name: 'echo_say' } }),
];

describe('fast tool calls', () => {
  it('answers byte for byte as the SDK does, for plain and unusual requests alike', async () => {
    const sdk = await serve({ fast: false });
    const fast = await serve({ fast: true });
    let answered = 0;
    for (const line of [...plain, ...unusual]) {
      const expected = await sdk.ask(line);
      // Requests the SDK does not answer at all (an invalid envelope) get no answer from either.
      expect(await fast.ask(line), line).toBe(expected);
      if (expected !== undefined) answered++;
    }
    expect(answered).toBeGreaterThan(plain.length);
    expect(fast.claimed).toEqual([...plain.map(() => true), ...unusual.map(() => false)]);
    await sdk.close();
    await fast.close();
  }, 20_000);

  it('leaves requests to the SDK until startup is over, then takes them', async () => {
    const served = await serve({ fast: true, start: false });
    const answer = served.ask(plain[0]!);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await served.start();
    expect(JSON.parse((await answer)!).result.content[0].text).toBe('hellohello');
    expect(JSON.parse((await served.ask(plain[0]!))!).result.content[0].text).toBe('hellohello');
    expect(served.claimed).toEqual([false, true]);
    await served.close();
  });

  it('aborts a call on notifications/cancelled with its reason, and sends no answer for it', async () => {
    const served = await serve({ fast: true });
    aborts.length = 0;
    served.send(call(21, { name: 'slow_wait', arguments: {} }));
    served.send(
      JSON.stringify({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: 21, reason: 'user pressed stop' },
      }),
    );
    // The next line written is the answer to the next request: call 21 got none.
    expect(JSON.parse((await served.ask(plain[0]!))!).id).toBe(1);
    expect(aborts).toEqual(['user pressed stop']);
    await served.close();
  });

  it('aborts calls still running when the transport closes', async () => {
    const served = await serve({ fast: true });
    aborts.length = 0;
    served.send(call(22, { name: 'slow_wait', arguments: {} }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await served.close();
    expect(aborts).toHaveLength(1);
  });

  it('sends progress notifications for the call before its answer', async () => {
    const served = await serve({ fast: true });
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

describe('StdioTransport', () => {
  it('frames lines across chunks, drops a trailing CR, and reports a bad line without stopping', async () => {
    const stdin = new PassThrough();
    const transport = new StdioTransport({}, stdin, new PassThrough());
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

  it('closes when a line outgrows the buffer limit', async () => {
    const stdin = new PassThrough();
    const transport = new StdioTransport({ maxBufferSize: 64 }, stdin, new PassThrough());
    const errors: string[] = [];
    transport.onerror = (error) => errors.push(error.message);
    const closed = new Promise<void>((resolve) => {
      transport.onclose = resolve;
    });
    await transport.start();
    stdin.write('x'.repeat(65));
    await closed;
    expect(errors).toEqual(['ReadBuffer exceeded maximum size of 64 bytes']);
  });

  it('waits for drain when the client reads slowly', async () => {
    const stdout = new PassThrough({ highWaterMark: 16 });
    const transport = new StdioTransport({}, new PassThrough(), stdout);
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
