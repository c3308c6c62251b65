import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode } from '../errors/codes.js';
import { readErrorMeta } from '../errors/error-meta.js';
import { isScopedMcpError } from '../errors/errors.js';
import type { RateLimitsConfig } from '../manifest/schema.js';
import { defineModule, defineTool } from '../module/define.js';
import { agentState } from '../state/agent-state.js';
import { inProcessState } from '../state/in-process.js';
import type { StateBackend } from '../state/types.js';
import { captureLogger, createModuleHarness } from '@scoped-mcp/testing';
import type { ToolCall } from './compose.js';
import { createRateLimitMiddleware, parseRateSpec } from './rate-limit.js';

const TOOLS = ['fs_read_file', 'fs_write_file', 'fs_list_dir', 'db_query', 'db_execute'];

function setup(
  config: Partial<RateLimitsConfig>,
  options: { backend?: StateBackend; toolNames?: string[] } = {},
) {
  let t = 0;
  const inner = options.backend ?? inProcessState({ now: () => t });
  const audit: Record<string, unknown>[] = [];
  const { middleware, warnings } = createRateLimitMiddleware({
    config: { per_tool: {}, ...config },
    state: agentState(inner, 'agent-1'),
    audit: captureLogger('audit', audit),
    agentId: 'agent-1',
    toolNames: options.toolNames ?? TOOLS,
  });
  const handled: string[] = [];
  /** Resolves 'ok' when allowed, else the refusal error. */
  const call = async (tool: string) => {
    try {
      return await middleware({ tool } as ToolCall, async () => {
        handled.push(tool);
        return 'ok';
      });
    } catch (error) {
      return error as Error & { code?: string };
    }
  };
  const calls = async (tool: string, n: number) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await call(tool));
    return out;
  };
  return {
    call,
    calls,
    handled,
    audit,
    warnings,
    inner,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

const okCount = (results: unknown[]) => results.filter((r) => r === 'ok').length;

describe('parseRateSpec', () => {
  it('reads <N>/second|minute|hour', () => {
    expect(parseRateSpec('5/second')).toEqual({ limit: 5, windowSeconds: 1, windowMs: 1000 });
    expect(parseRateSpec('60/minute')).toEqual({ limit: 60, windowSeconds: 60, windowMs: 60_000 });
    expect(parseRateSpec('0/hour')).toEqual({ limit: 0, windowSeconds: 3600, windowMs: 3_600_000 });
  });

  it('refuses anything else', () => {
    for (const bad of [
      '5/minutes',
      '5 / minute',
      '-1/minute',
      '1.5/minute',
      '/minute',
      '5/day',
      '99999999999999999999/hour',
    ]) {
      expect(() => parseRateSpec(bad), bad).toThrow(/<N>\/second\|minute\|hour/);
    }
  });
});

describe('rate limit middleware', () => {
  it('global: allows N calls, then refuses without calling next, with a retry hint and an audit line', async () => {
    const s = setup({ global: '3/minute' });
    const results = await s.calls('fs_read_file', 3);
    s.advance(12_300);
    const refused = await s.call('db_query');
    expect(okCount(results)).toBe(3);
    expect(s.handled).toEqual(['fs_read_file', 'fs_read_file', 'fs_read_file']);
    expect(isScopedMcpError(refused)).toBe(true);
    expect((refused as { code: string }).code).toBe(ErrorCode.rateLimited);
    expect((refused as Error).message).toBe(
      "Rate limit exceeded for agent 'agent-1': global limit 3/60s. Retry in 47.7 s.",
    );
    expect(s.audit).toEqual([
      expect.objectContaining({
        event: 'rate_limit_exceeded',
        level: 'warn',
        tool_name: 'db_query',
        limit_type: 'global',
        current_count: 3,
        limit: 3,
        window_seconds: 60,
        retry_after_ms: 47_700,
      }),
    ]);
  });

  it('per_tool: every tool matching one glob shares one window; other tools are untouched', async () => {
    const s = setup({ per_tool: { 'fs_*': '4/minute' } });
    const mixed = [
      ...(await s.calls('fs_read_file', 2)),
      ...(await s.calls('fs_write_file', 2)),
      ...(await s.calls('fs_list_dir', 1)),
    ];
    expect(mixed.map((r) => r === 'ok')).toEqual([true, true, true, true, false]);
    expect((mixed[4] as Error).message).toBe(
      "Rate limit exceeded for tool 'fs_list_dir': limit 4/60s. Retry in 60.0 s.",
    );
    // No bleed: db tools have no limit at all.
    expect(okCount(await s.calls('db_query', 50))).toBe(50);
    expect(s.audit).toHaveLength(1);
    expect(s.audit[0]).toMatchObject({ limit_type: 'per_tool', pattern: 'fs_*', tool_name: 'fs_list_dir' });
  });

  it('the first matching pattern wins; a later, more specific entry never applies', async () => {
    const s = setup({ per_tool: { 'fs_*': '2/minute', fs_read_file: '100/minute' } });
    expect(okCount(await s.calls('fs_read_file', 5))).toBe(2);
    expect(s.warnings).toEqual([
      "rate_limits.per_tool pattern 'fs_read_file' never applies: every tool it matches is limited by an earlier pattern (the first match wins).",
    ]);
  });

  it('a specific entry listed first takes its tool out of a later glob', async () => {
    const s = setup({ per_tool: { fs_read_file: '5/minute', 'fs_*': '1/minute' } });
    expect(okCount(await s.calls('fs_read_file', 8))).toBe(5);
    expect(okCount(await s.calls('fs_write_file', 3))).toBe(1);
    expect(s.warnings).toEqual([]);
  });

  it('global is checked first: a per-tool refusal has used a global slot', async () => {
    const s = setup({ global: '5/minute', per_tool: { 'fs_*': '1/minute' } });
    expect(okCount(await s.calls('fs_read_file', 3))).toBe(1); // 3 global slots used, 2 refused per-tool
    expect(okCount(await s.calls('db_query', 5))).toBe(2); // only 2 global slots left
    expect(s.audit.map((r) => r.limit_type)).toEqual(['per_tool', 'per_tool', 'global', 'global', 'global']);
  });

  it('a global refusal never touches the per-tool window', async () => {
    const s = setup({ global: '2/minute', per_tool: { 'fs_*': '3/minute' } });
    await s.calls('fs_read_file', 6); // 2 allowed, 4 refused globally
    expect((await s.inner.slidingWindowHit('scoped-mcp:agent-1:rate:fs_*', 100, 60_000)).count).toBe(3); // 2 real hits + this probe
    s.advance(60_000);
    // Global window has slid; per-tool also slid (same time): 3 fresh per-tool slots, 2 global ones.
    expect(okCount(await s.calls('fs_read_file', 3))).toBe(2);
  });

  it('keeps the reference key layout: scoped-mcp:{agent}:rate:global and rate:{sanitised pattern}', async () => {
    const s = setup(
      { global: '9/minute', per_tool: { 'fs:*': '9/minute', 'db_*': '9/minute' } },
      {
        toolNames: ['fs:x', 'db_query'],
      },
    );
    await s.call('fs:x');
    await s.call('db_query');
    expect((await s.inner.keys('*')).sort()).toEqual([
      'scoped-mcp:agent-1:rate:db_*',
      'scoped-mcp:agent-1:rate:fs|*',
      'scoped-mcp:agent-1:rate:global',
    ]);
  });

  it('windows slide: slots free as old calls age out, and the retry hint is exact', async () => {
    const s = setup({ per_tool: { db_query: '2/second' } });
    await s.call('db_query'); // t=0
    s.advance(400);
    await s.call('db_query'); // t=400
    s.advance(100);
    const refused = await s.call('db_query'); // t=500: the t=0 call leaves at t=1000
    expect((refused as Error).message).toMatch(/limit 2\/1s\. Retry in 0\.5 s\.$/);
    s.advance(500);
    expect(await s.call('db_query')).toBe('ok'); // t=1000
    expect(await s.call('db_query')).not.toBe('ok');
  });

  it('a zero limit disables the tool and tells the agent not to retry', async () => {
    const s = setup({ per_tool: { db_execute: '0/hour' } });
    const refused = await s.call('db_execute');
    expect((refused as Error).message).toBe(
      "Rate limit exceeded for tool 'db_execute': limit 0/3600s (calls are disabled by the manifest; do not retry).",
    );
    expect(s.handled).toEqual([]);
  });

  it('fails closed when the backend throws: refused, audited, next never called', async () => {
    const broken: StateBackend = {
      ...inProcessState(),
      slidingWindowHit: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
      },
    };
    for (const config of [{ global: '10/minute' }, { per_tool: { 'fs_*': '10/minute' } }]) {
      const s = setup(config, { backend: broken });
      const refused = await s.call('fs_read_file');
      expect(refused).toBeInstanceOf(Error);
      expect((refused as Error).message).toBe(
        'state backend unavailable; the call was refused (fail closed)',
      );
      expect((refused as { code: string }).code).toBe(ErrorCode.stateUnavailable);
      expect(s.handled).toEqual([]);
      expect(s.audit).toEqual([
        expect.objectContaining({
          event: 'rate_limit_backend_error',
          tool_name: 'fs_read_file',
          limit_type: 'global' in config ? 'global' : 'per_tool',
          error: 'Error: connect ECONNREFUSED 127.0.0.1:6379',
        }),
      ]);
    }
  });

  it('a per-tool backend failure after a global pass still refuses', async () => {
    const inner = inProcessState();
    let n = 0;
    const flaky: StateBackend = {
      ...inner,
      slidingWindowHit: async (key, limit, windowMs) => {
        if (++n === 2) throw new Error('boom');
        return inner.slidingWindowHit(key, limit, windowMs);
      },
    };
    const s = setup({ global: '10/minute', per_tool: { 'fs_*': '10/minute' } }, { backend: flaky });
    expect(await s.call('fs_read_file')).toBeInstanceOf(Error);
    expect(s.handled).toEqual([]);
  });

  it('applies per_tool patterns to tools registered after startup', async () => {
    const s = setup({ per_tool: { 'proxy_*': '1/minute' } }, { toolNames: ['proxy_search'] });
    expect(okCount(await s.calls('proxy_new_tool', 3))).toBe(1);
  });

  it('passes everything through when no limit is configured', async () => {
    const s = setup({});
    expect(okCount(await s.calls('fs_read_file', 100))).toBe(100);
    expect(s.audit).toEqual([]);
  });

  it('warns about patterns that match no registered tool, with a hint for dotted names', () => {
    const s = setup({ per_tool: { 'mcp_proxy.*': '1/minute', 'nothing_*': '1/minute', 'fs_*': '1/minute' } });
    expect(s.warnings).toEqual([
      "rate_limits.per_tool pattern 'mcp_proxy.*' matches no registered tool, so it limits nothing. Tool names join module and tool with '_' (e.g. 'mcp_proxy_*'), never '.'.",
      "rate_limits.per_tool pattern 'nothing_*' matches no registered tool, so it limits nothing.",
    ]);
  });

  it('glob metacharacters in names are matched literally (fnmatch), never as regex', async () => {
    const s = setup({ per_tool: { 'fs_read.file': '1/minute', 'db_(query|execute)': '1/minute' } });
    expect(okCount(await s.calls('fs_readXfile', 3))).toBe(3);
    expect(okCount(await s.calls('db_query', 3))).toBe(3);
  });

  it('separate agents on one backend have separate windows', async () => {
    const shared = inProcessState();
    const make = (agentId: string) =>
      createRateLimitMiddleware({
        config: { global: '2/minute', per_tool: {} },
        state: agentState(shared, agentId),
        audit: captureLogger('audit', []),
        agentId,
        toolNames: TOOLS,
      }).middleware;
    const a = make('agent-a');
    const b = make('agent-b');
    const next = async () => 'ok';
    const call = { tool: 'fs_read_file' } as ToolCall;
    await a(call, next);
    await a(call, next);
    await expect(a(call, next)).rejects.toThrow(/agent 'agent-a'/);
    await expect(b(call, next)).resolves.toBe('ok');
  });
});

describe('rate limit through the tool pipeline', () => {
  const counter = { calls: 0 };
  const module = defineModule({
    name: 'fs',
    description: 'test',
    config: z.strictObject({}),
    tools: {
      read_file: defineTool({
        mode: 'read',
        description: 'read',
        input: z.strictObject({ path: z.string() }),
        async handler() {
          counter.calls++;
          return 'content';
        },
      }),
    },
  });

  it('a refused call is an isError result, audited as tool_error with its code, and never reaches the handler', async () => {
    const audit: Record<string, unknown>[] = [];
    const { middleware } = createRateLimitMiddleware({
      config: { per_tool: { 'fs_*': '1/minute' } },
      state: agentState(inProcessState(), 'test-agent'),
      audit: captureLogger('audit', audit),
      agentId: 'test-agent',
      toolNames: ['fs_read_file'],
    });
    const h = await createModuleHarness(module, { middleware: [middleware] });
    try {
      expect((await h.call('read_file', { path: 'a' })).text).toBe('content');
      const refused = await h.call('read_file', { path: 'a' });
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(
        /^Rate limit exceeded for tool 'fs_read_file': limit 1\/60s\. Retry in \d+\.\d s\.$/,
      );
      expect(counter.calls).toBe(1);
      expect(h.audit.map((r) => r.event)).toEqual(['tool_call', 'tool_error']);
      expect(h.audit[1]).toMatchObject({ error_code: 'SMCP_RATE_LIMITED' });
      expect(audit.map((r) => r.event)).toEqual(['rate_limit_exceeded']);
      // The agent's program reads the delay from _meta; the text says the same, rounded up to a tenth.
      const meta = readErrorMeta(refused.raw);
      expect(meta).toEqual({ code: 'SMCP_RATE_LIMITED', retry_after_ms: audit[0]?.retry_after_ms });
      const said = Number(/Retry in (\d+\.\d) s/.exec(refused.text)?.[1]);
      expect(said).toBe(Math.ceil((meta?.retry_after_ms ?? 0) / 100) / 10);
    } finally {
      await h.close();
    }
  });
});
