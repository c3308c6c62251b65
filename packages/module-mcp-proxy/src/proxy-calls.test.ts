import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FIXTURE_UPSTREAM,
  fakeSession,
  progressChannel,
  tempDir,
  waitFor,
} from './__fixtures__/test-helpers.js';
import mcpProxy from './index.js';

// Per-call behaviour against the repository's own fixture upstream (src/__fixtures__/fixture-upstream.mjs).

const SECRET = 'fixture-secret-value-4711';
const session = fakeSession({});
let dir: Awaited<ReturnType<typeof tempDir>>;
let h: ModuleHarness;

function markers(name: string): Promise<string[]> {
  return readFile(join(dir.path, name), 'utf8').then(
    (text) => text.trim().split('\n').filter(Boolean),
    () => [],
  );
}

beforeAll(async () => {
  dir = await tempDir('calls');
  h = await createModuleHarness(mcpProxy, {
    instance: 'fx',
    config: {
      command: process.execPath,
      args: [FIXTURE_UPSTREAM],
      env: { FIXTURE_MARKERS: dir.path, FIXTURE_SECRET: SECRET },
      pinning: 'off',
      call_timeout_seconds: 2,
      max_response_bytes: 64 * 1024,
    },
    session,
    manifestDir: dir.path,
  });
}, 20_000);

afterAll(async () => {
  await h?.close();
  await dir?.remove();
});

describe('names and definitions', () => {
  it('normalises upstream names as the reference does', () => {
    expect(h.toolNames).toEqual(
      expect.arrayContaining(['fx_echo', 'fx_schema_2020', 'fx_remote_ref', 'fx_tool_9lives', 'fx_is_error']),
    );
  });

  it('advertises the upstream definition unchanged: $schema, $defs, additionalProperties, output schema, annotations, title', () => {
    const tool = h.runtime.list().find((t) => t.name === 'fx_schema_2020');
    expect(tool?.inputSchema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { level: { type: 'integer', minimum: 1, maximum: 3 } },
      properties: {
        level: { $ref: '#/$defs/level' },
        tags: { type: 'array', items: { type: 'string' } },
        mode: { enum: ['fast', 'safe'] },
      },
      required: ['level'],
      additionalProperties: false,
    });
    expect(tool?.outputSchema).toEqual({
      type: 'object',
      properties: { level: { type: 'integer' } },
      required: ['level'],
    });
    expect(tool?.title).toBe('Schema pass-through probe');
    expect(tool?.annotations).toMatchObject({ title: 'Probe', idempotentHint: true, openWorldHint: false });
  });
});

describe('argument validation against the upstream schema', () => {
  it('passes valid arguments and returns structuredContent as sent', async () => {
    const result = await h.call('fx_schema_2020', { level: 2, tags: ['a'], mode: 'safe' });
    expect(result.raw).toEqual({
      content: [{ type: 'text', text: 'level 2' }],
      structuredContent: { level: 2 },
    });
  });

  it.each([
    [{ level: 5 }, "argument 'level' must be <= 3"],
    [{ level: 1, extra: true }, "'extra' is not allowed"],
    [{}, "must have required property 'level'"],
    [{ level: 1, mode: 'turbo' }, 'must be equal to one of the allowed values: "fast", "safe"'],
    [{ level: 1, tags: ['ok', 7] }, "argument 'tags[1]' must be string"],
  ])('rejects %j before it reaches the upstream', async (args, message) => {
    const result = await h.call('fx_schema_2020', args);
    expect(result.isError).toBe(true);
    expect(result.text).toContain("Invalid arguments for 'fx_schema_2020'");
    expect(result.text).toContain(message);
  });

  it('names the failing argument but never echoes its value', async () => {
    const result = await h.call('fx_schema_2020', { level: 'sk-live-DO-NOT-ECHO-123' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain("argument 'level'");
    expect(result.text).not.toContain('DO-NOT-ECHO');
  });

  it('forwards unchanged when the schema has a remote $ref (never fetched; the upstream validates)', async () => {
    const result = await h.call('fx_remote_ref', { x: 1 });
    expect(result.isError).toBe(false);
    expect(h.ops.some((r) => r.event === 'mcp_proxy_schema_not_compiled' && r.tool === 'remote-ref')).toBe(
      true,
    );
  });
});

describe('results and errors', () => {
  it('passes an isError result through as a tool error with its own content', async () => {
    const result = await h.call('fx_is_error', {});
    expect(result.raw).toEqual({ content: [{ type: 'text', text: 'it failed' }], isError: true });
  });

  it("turns the upstream's JSON-RPC error into one line, without the upstream's secret", async () => {
    const result = await h.call('fx_error_secret', {});
    expect(result.isError).toBe(true);
    expect(result.text).toContain('bad token <redacted-secret>');
    expect(result.text).not.toContain(SECRET);
    expect(result.text).not.toContain('\n');
  });

  it('relays upstream log messages under the instance name, scrubbed of the secrets it was given', async () => {
    await h.call('fx_log_secret', {});
    const log = await waitFor(() => session.logs.find((l) => l.logger === 'fx/fixture'));
    expect(log).toEqual({ level: 'warning', logger: 'fx/fixture', data: 'token is <redacted-secret>' });
    expect(JSON.stringify(session.logs)).not.toContain(SECRET);
  });

  it("forwards the agent's _meta but maps its progress token to the proxy's own", async () => {
    const { channel } = progressChannel(session, 'agent-token', { 'example.com/trace': 'abc' });
    const result = await h.call('fx_meta', {}, { client: channel });
    const meta = result.json<Record<string, unknown>>();
    expect(meta['example.com/trace']).toBe('abc');
    expect(meta.progressToken).not.toBe('agent-token');
  });

  it('relays progress with the agent token (monotonic)', async () => {
    const { channel, events } = progressChannel(session, 42);
    const result = await h.call('fx_slow', { ms: 200 }, { client: channel });
    expect(result.text).toBe('done');
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.map((e) => e.progress)).toEqual([...events.map((e) => e.progress)].sort((a, b) => a - b));
    expect(events[0]).toMatchObject({ total: 4, message: 'step 1' });
  });
});

describe('cancellation, timeout, size cap', () => {
  it("passes the agent's cancellation to the upstream, which abandons the call", async () => {
    const finished = (await markers('finished')).length;
    const cancelled = (await markers('cancelled')).length;
    const controller = new AbortController();
    const call = h.call('fx_slow', { ms: 5_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const result = await call;
    expect(result.isError).toBe(true);
    expect(result.text).toBe("'fx_slow' was cancelled; the upstream was told to stop");
    await waitFor(async () => (await markers('cancelled')).length === cancelled + 1);
    expect(await markers('finished')).toHaveLength(finished);
  });

  it('ends a call at call_timeout_seconds and cancels it upstream', async () => {
    const before = (await markers('cancelled')).length;
    const result = await h.call('fx_slow', { ms: 10_000 });
    expect(result.isError).toBe(true);
    expect(result.text).toBe(
      "'fx_slow' did not finish within 2 s (call_timeout_seconds); the upstream call was cancelled",
    );
    await waitFor(async () => (await markers('cancelled')).length > before);
  });

  it('refuses a response larger than max_response_bytes with a clear message, and stays in sync', async () => {
    const result = await h.call('fx_big', { bytes: 200_000 });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('larger than max_response_bytes (65536 bytes)');
    expect(h.audit.at(-1)).toMatchObject({ error_code: 'SMCP_LIMIT_EXCEEDED' });
    const small = await h.call('fx_big', { bytes: 60_000 });
    expect(small.text).toHaveLength(60_000);
    expect((await h.call('fx_echo', { text: 'still in sync' })).text).toBe('still in sync');
  });
});

describe('oversize messages that answer no request', () => {
  it('drops an over-large notification with an ops warning; the call and the stream carry on', async () => {
    const result = await h.call('fx_big_log', { bytes: 200_000 });
    expect(result.text).toBe('logged big');
    expect(h.ops.find((r) => r.event === 'mcp_proxy_message_too_large')).toMatchObject({ limit: 65_536 });
    expect(session.logs.some((l) => String(l.data).length > 100_000)).toBe(false);
  });
});

describe('tools/list_changed', () => {
  it('offers a tool the upstream adds and withdraws one it removes', async () => {
    await h.call('fx_add_tool', { name: 'fresh-tool' });
    await waitFor(() => h.toolNames.includes('fx_fresh_tool'));
    expect((await h.call('fx_fresh_tool', {})).text).toBe('fresh-tool');

    await h.call('fx_remove_tool', { name: 'pid' });
    await waitFor(() => !h.toolNames.includes('fx_pid'));
    const gone = await h.runtime.call('fx_pid', {});
    expect(gone.isError).toBe(true);
  });
});

describe('filters and names', () => {
  it('applies tool_allowlist then tool_denylist by upstream name, and reports unknown allowlist entries', async () => {
    const filtered = await createModuleHarness(mcpProxy, {
      instance: 'fx',
      config: {
        command: process.execPath,
        args: [FIXTURE_UPSTREAM],
        tool_allowlist: ['echo', 'schema-2020', 'no-such-tool'],
        tool_denylist: ['schema-2020'],
        pinning: 'off',
      },
    });
    try {
      expect(filtered.toolNames).toEqual(['fx_echo']);
      expect(filtered.ops.find((r) => r.event === 'mcp_proxy_allowlist_unmatched')).toMatchObject({
        names: ['no-such-tool'],
      });
    } finally {
      await filtered.close();
    }
  });

  it('fails startup when two upstream tools normalise to one name, naming both', async () => {
    await expect(
      createModuleHarness(mcpProxy, {
        instance: 'fx',
        config: { command: process.execPath, args: [FIXTURE_UPSTREAM], env: { FIXTURE_EXTRA: 'collide' } },
      }),
    ).rejects.toThrow(/'a-b' and 'a\.b' both become 'fx_a_b'/);
  });

  it('starts when the collision is excluded with tool_denylist', async () => {
    const ok = await createModuleHarness(mcpProxy, {
      instance: 'fx',
      config: {
        command: process.execPath,
        args: [FIXTURE_UPSTREAM],
        env: { FIXTURE_EXTRA: 'collide' },
        tool_denylist: ['a.b'],
        pinning: 'off',
      },
    });
    try {
      expect(ok.toolNames).toContain('fx_a_b');
      expect((await ok.call('fx_a_b', {})).text).toBe('a-b');
    } finally {
      await ok.close();
    }
  });
});
