import { callChannel, detachedSession } from '../module/client-channel.js';
import { describe, expect, it } from 'vitest';
import type { AgentIdentity } from '../identity/agent-identity.js';
import { composeMiddleware, type Middleware, type ToolCall } from './compose.js';

const agent: AgentIdentity = {
  id: 'agent-a',
  type: 'test',
  sessionId: '00000000-0000-4000-8000-000000000000',
};
const call: ToolCall = {
  tool: 'x_read',
  instance: 'x',
  mode: 'read',
  args: { a: 1 },
  client: callChannel(detachedSession()),
  agent,
  signal: new AbortController().signal,
};

function tracer(log: string[], name: string): Middleware {
  return async (_c, next) => {
    log.push(`${name}>`);
    const result = await next();
    log.push(`<${name}`);
    return result;
  };
}

describe('composeMiddleware', () => {
  it('runs index 0 outermost and the handler innermost', async () => {
    const log: string[] = [];
    const composed = composeMiddleware([tracer(log, 'a'), tracer(log, 'b'), tracer(log, 'c')], async () => {
      log.push('handler');
      return 'done';
    });
    expect(await composed(call)).toBe('done');
    expect(log).toEqual(['a>', 'b>', 'c>', 'handler', '<c', '<b', '<a']);
  });

  it('with no middleware is the handler itself', async () => {
    const handler = async () => 'h';
    expect(composeMiddleware([], handler)).toBe(handler);
  });

  it('passes the call through and lets outer layers see inner results', async () => {
    const seen: ToolCall[] = [];
    const composed = composeMiddleware(
      [
        async (_c, next) => ({ wrapped: (await next()) as string }),
        async (c, next) => {
          seen.push(c);
          return next();
        },
      ],
      async (c) => `${c.tool}:${String(c.args.a)}`,
    );
    expect(await composed(call)).toEqual({ wrapped: 'x_read:1' });
    expect(seen).toEqual([call]);
  });

  it('short-circuits: a layer that does not call next stops the chain', async () => {
    const log: string[] = [];
    const composed = composeMiddleware(
      [tracer(log, 'a'), async () => 'blocked', tracer(log, 'never')],
      async () => {
        log.push('handler');
        return 'ran';
      },
    );
    expect(await composed(call)).toBe('blocked');
    expect(log).toEqual(['a>', '<a']);
  });

  it('refuses a second next() and runs the handler only once', async () => {
    let runs = 0;
    const composed = composeMiddleware(
      [
        async (_c, next) => {
          await next();
          return next();
        },
      ],
      async () => {
        runs++;
        return 'ok';
      },
    );
    await expect(composed(call)).rejects.toThrow('middleware called next() twice');
    expect(runs).toBe(1);
  });

  it('allows next() once per call across many calls', async () => {
    let runs = 0;
    const composed = composeMiddleware([async (_c, next) => next()], async () => String(++runs));
    expect(await composed(call)).toBe('1');
    expect(await composed(call)).toBe('2');
    expect(await Promise.all([composed(call), composed(call)])).toEqual(['3', '4']);
  });

  it('propagates handler errors through every layer', async () => {
    const log: string[] = [];
    const failure = new Error('backend down');
    const composed = composeMiddleware([tracer(log, 'a'), tracer(log, 'b')], async () => {
      throw failure;
    });
    await expect(composed(call)).rejects.toBe(failure);
    expect(log).toEqual(['a>', 'b>']);
  });

  it('propagates a middleware error and never reaches the handler', async () => {
    let reached = false;
    const composed = composeMiddleware(
      [
        async () => {
          throw new Error('refused by guardrail');
        },
      ],
      async () => {
        reached = true;
        return 'x';
      },
    );
    await expect(composed(call)).rejects.toThrow('refused by guardrail');
    expect(reached).toBe(false);
  });

  it('lets an outer layer catch an inner error', async () => {
    const composed = composeMiddleware(
      [
        async (_c, next) => {
          try {
            return await next();
          } catch (error) {
            return `caught ${(error as Error).message}`;
          }
        },
      ],
      async () => {
        throw new Error('inner');
      },
    );
    expect(await composed(call)).toBe('caught inner');
  });
});
