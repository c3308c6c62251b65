import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { CallsInFlight } from './calls-in-flight.js';

/** A transport whose sends stay pending until the test finishes them, as stdio's do until `drain`. */
function slowTransport() {
  const pending: { message: JSONRPCMessage; finish: () => void }[] = [];
  const transport: Transport = {
    start: async () => undefined,
    close: async () => {
      transport.onclose?.();
    },
    send: (message) =>
      new Promise<void>((resolve) => {
        pending.push({ message, finish: resolve });
      }),
  };
  return { transport, pending };
}

const answer = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: { content: [] } });
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('CallsInFlight', () => {
  it('runs maxInFlight calls, queues maxQueued behind them, and refuses the next at once', async () => {
    const calls = new CallsInFlight({ maxInFlight: 2, maxQueued: 1 });
    const signal = new AbortController().signal;
    const [a, b, c] = [calls.admit(1, signal), calls.admit(2, signal), calls.admit(3, signal)];
    expect(calls.counts).toEqual({ running: 2, queued: 1 });
    expect(calls.admit(4, signal)).toBeUndefined();
    let started = false;
    void c!.ready.then(() => {
      started = true;
    });
    await a!.ready;
    await b!.ready;
    await settled();
    expect(started).toBe(false);
    const busy = calls.busy();
    expect(busy.code).toBe('SMCP_SERVER_BUSY');
    expect(busy.details.limit).toEqual({ name: 'max_queued_calls', value: 1 });
    expect(busy.message).toMatch(/2 calls are running and 1 are waiting \(limits\.max_calls_in_flight/);
  });

  it("holds a finished call's slot until the send of its answer resolves, then starts the oldest waiting call", async () => {
    const calls = new CallsInFlight({ maxInFlight: 1, maxQueued: 2 });
    const { transport, pending } = slowTransport();
    calls.watch(transport);
    const signal = new AbortController().signal;
    const first = calls.admit(1, signal)!;
    const order: number[] = [];
    const second = calls.admit(2, signal)!;
    const third = calls.admit(3, signal)!;
    void second.ready.then(() => order.push(2));
    void third.ready.then(() => order.push(3));
    await first.ready;
    first.finished();
    await settled();
    expect(order).toEqual([]);
    // An unrelated message (a notification, another id) frees nothing.
    void transport.send({ jsonrpc: '2.0', method: 'notifications/progress' });
    void transport.send(answer(99));
    void transport.send(answer(1));
    await settled();
    expect(order).toEqual([]);
    expect(calls.counts).toEqual({ running: 1, queued: 2 });
    pending.find((p) => 'id' in p.message && p.message.id === 1)!.finish();
    await settled();
    expect(order).toEqual([2]);
    second.finished();
    void transport.send(answer(2));
    pending.at(-1)!.finish();
    await settled();
    expect(order).toEqual([2, 3]);
  });

  it('lets a call cancelled while it waits leave the queue, with the reason', async () => {
    const calls = new CallsInFlight({ maxInFlight: 1, maxQueued: 1 });
    const running = calls.admit(1, new AbortController().signal)!;
    const cancel = new AbortController();
    const waiting = calls.admit(2, cancel.signal)!;
    expect(calls.admit(3, new AbortController().signal)).toBeUndefined();
    cancel.abort('user pressed stop');
    await expect(waiting.ready).rejects.toBe('user pressed stop');
    waiting.finished();
    expect(calls.counts).toEqual({ running: 1, queued: 0 });
    expect(calls.admit(3, new AbortController().signal)).toBeDefined();
    await running.ready;
  });

  it('frees the slot of a call cancelled before its answer was sent (the SDK sends none then)', async () => {
    const calls = new CallsInFlight({ maxInFlight: 1, maxQueued: 0 });
    calls.watch(slowTransport().transport);
    const cancel = new AbortController();
    const slot = calls.admit(1, cancel.signal)!;
    await slot.ready;
    slot.finished();
    expect(calls.counts.running).toBe(1);
    cancel.abort();
    expect(calls.counts.running).toBe(0);

    const cancelledFirst = new AbortController();
    const other = calls.admit(2, cancelledFirst.signal)!;
    await other.ready;
    cancelledFirst.abort();
    other.finished();
    expect(calls.counts.running).toBe(0);
  });

  it('frees every slot when the connection closes, answers in transit included', async () => {
    const calls = new CallsInFlight({ maxInFlight: 2, maxQueued: 0 });
    const { transport } = slowTransport();
    calls.watch(transport);
    const signal = new AbortController().signal;
    const [a, b] = [calls.admit(1, signal)!, calls.admit(2, signal)!];
    a.finished();
    b.finished();
    void transport.send(answer(1));
    expect(calls.counts.running).toBe(2);
    await transport.close();
    expect(calls.counts.running).toBe(0);
  });

  it('keeps the calls of a client that reuses an id apart: each answer frees one slot', async () => {
    const calls = new CallsInFlight({ maxInFlight: 2, maxQueued: 0 });
    const { transport, pending } = slowTransport();
    calls.watch(transport);
    const signal = new AbortController().signal;
    const [a, b] = [calls.admit(7, signal)!, calls.admit(7, signal)!];
    a.finished();
    b.finished();
    void transport.send(answer(7));
    pending[0]!.finish();
    await settled();
    expect(calls.counts.running).toBe(1);
    void transport.send(answer(7));
    pending[1]!.finish();
    await settled();
    expect(calls.counts.running).toBe(0);
  });
});
