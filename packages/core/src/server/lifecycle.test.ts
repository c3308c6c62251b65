import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureLogger } from '@scoped-mcp/testing';
import { type Closable, installShutdown, type ShutdownHooks } from './lifecycle.js';

const EVENTS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'uncaughtException', 'unhandledRejection'] as const;
type ProcessEvent = (typeof EVENTS)[number];
type Listener = (...args: unknown[]) => void;

// process.listeners() is overloaded per event kind; one view over all of them keeps the bookkeeping simple.
const listenersOf = (event: ProcessEvent) => process.listeners(event as NodeJS.Signals) as Listener[];

let before: Map<ProcessEvent, Listener[]>;

/** installShutdown registers process-wide listeners; remove ours so other tests run with a clean process. */
function removeAdded(): void {
  for (const event of EVENTS) {
    for (const listener of listenersOf(event)) {
      if (!before.get(event)?.includes(listener)) process.removeListener(event as NodeJS.Signals, listener);
    }
  }
}

beforeEach(() => {
  before = new Map(EVENTS.map((e) => [e, [...listenersOf(e)]]));
});

afterEach(removeAdded);

function added(event: ProcessEvent): Listener {
  const listener = listenersOf(event).find((l) => !before.get(event)?.includes(l));
  if (!listener) throw new Error(`no ${event} listener installed`);
  return listener;
}

function setup(overrides: Partial<ShutdownHooks> = {}) {
  const steps: string[] = [];
  const ops: Record<string, unknown>[] = [];
  const exits: number[] = [];
  const input = new PassThrough();
  let exited: () => void = () => undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    exited = resolve;
  });
  const server = {
    close: async () => {
      steps.push('close');
    },
  } satisfies Closable;
  const shutdown = installShutdown(
    {
      server,
      ops: captureLogger('ops', ops),
      stop: async () => {
        steps.push('stop');
      },
      flush: () => steps.push('flush'),
      exit: (code) => {
        steps.push(`exit ${code}`);
        exits.push(code);
        exited();
      },
      redact: (text) => text.replaceAll('s3cret-value', '<redacted>'),
      ...overrides,
    },
    input,
  );
  return { steps, ops, exits, input, shutdown, exited: exitedPromise };
}

describe('installShutdown', () => {
  it('on stdin EOF: closes the server, tears down, flushes, exits 0 — once', async () => {
    const { steps, ops, input, exited } = setup();
    input.end();
    input.destroy();
    await exited;
    await new Promise((r) => setTimeout(r, 10));
    expect(steps).toEqual(['close', 'stop', 'flush', 'exit 0']);
    expect(ops.map((r) => [r.event, r.reason])).toEqual([
      ['shutdown', 'stdin_closed'],
      ['shutdown_complete', 'stdin_closed'],
    ]);
  });

  it('runs once however many times it is asked', async () => {
    const { steps, shutdown } = setup();
    await Promise.all([shutdown('a'), shutdown('b')]);
    await shutdown('c');
    expect(steps.filter((s) => s.startsWith('exit'))).toEqual(['exit 0']);
  });

  it('shuts down on SIGTERM, SIGINT and SIGHUP', async () => {
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      const { ops, exited } = setup();
      added(signal)();
      await exited;
      expect(ops[0]).toMatchObject({ event: 'shutdown', reason: signal });
      removeAdded();
    }
  });

  it('still tears down and exits when closing the server fails', async () => {
    const { steps, shutdown } = setup({
      server: { close: () => Promise.reject(new Error('already closed')) } satisfies Closable,
    });
    await shutdown('test');
    expect(steps).toEqual(['stop', 'flush', 'exit 0']);
  });

  it('exits at the deadline when a teardown hangs', async () => {
    const { steps, ops, shutdown, exited } = setup({
      stop: () => new Promise(() => undefined),
      deadlineMs: 30,
    });
    void shutdown('test');
    const started = performance.now();
    await exited;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(steps).toEqual(['close', 'flush', 'exit 0']);
    expect(ops.map((r) => r.event)).toContain('shutdown_deadline_exceeded');
  });

  it('exits even when teardown throws', async () => {
    const { steps, shutdown } = setup({ stop: () => Promise.reject(new Error('teardown failed')) });
    await shutdown('test').catch(() => undefined);
    expect(steps.at(-1)).toBe('exit 0');
  });

  it('logs an uncaught exception with a redacted stack and exits 1', async () => {
    const { ops, exits, exited } = setup();
    const error = new Error('boom with s3cret-value');
    added('uncaughtException')(error);
    await exited;
    const fatal = ops.find((r) => r.event === 'uncaught_exception');
    expect(fatal).toMatchObject({ level: 'fatal', error_type: 'Error' });
    expect(String(fatal?.stack)).toContain('<redacted>');
    expect(JSON.stringify(ops)).not.toContain('s3cret-value');
    expect(exits).toEqual([1]);
  });

  it('logs an unhandled rejection without shutting down', async () => {
    const { ops, exits } = setup();
    added('unhandledRejection')('reason with s3cret-value');
    await new Promise((r) => setTimeout(r, 10));
    expect(ops).toEqual([
      expect.objectContaining({ event: 'unhandled_rejection', level: 'error', error_type: 'string' }),
    ]);
    expect(JSON.stringify(ops)).not.toContain('s3cret-value');
    expect(exits).toEqual([]);
  });
});
