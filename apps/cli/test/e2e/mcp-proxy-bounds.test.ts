import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type AgentSession,
  connectAgent,
  exitWithin,
  fixtureConfig,
  opsLines,
  type ProxyAgent,
  readEvents,
  startAgent,
  writeManifest,
} from '../fixtures/upstreams/proxy-support.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

/**
 * What an upstream's schema and an agent's arguments can cost the proxy: checking arguments takes bounded
 * time whatever the pattern or array, so the agent gets a verdict at once and the process keeps answering
 * (and stopping). Each input below used to block scoped-mcp: the pattern for ever, the array for ~20 s.
 */
const PROMPT_MS = 1000;
/** The 40,000-row call moves ~1.5 MB through the agent's client, core and the upstream: allow for that. */
const PROMPT_BIG_MS = 3000;
/** A plausible real pattern that backtracks exponentially in JavaScript's engine on a near-miss. */
const WORDS = '^(\\w+\\s?)*$';

describe('mcp_proxy argument checks take bounded time', () => {
  let dir: string;
  let agent: AgentSession | undefined;

  beforeEach(async () => {
    dir = await makeTempDir('proxy-bounds');
  });
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
    await removeTempDir(dir);
  });

  /** The fixture's `pinned` tool with this input schema, behind the manifest's `fx` instance. */
  async function manifestWithSchema(
    inputSchema: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const definition = join(dir, 'definition.json');
    await writeFile(definition, JSON.stringify({ description: 'Takes checked arguments.', inputSchema }));
    return writeManifest(dir, {
      fx: {
        config: fixtureConfig({ FIXTURE_TOOLSET: 'echo', FIXTURE_DESCRIPTION_FILE: definition }, extra),
      },
    });
  }

  async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
    const started = performance.now();
    const value = await work;
    return { value, ms: performance.now() - started };
  }

  it('a backtracking-prone pattern and a 41-character argument: refused at once, and SIGTERM still stops the process', async () => {
    const manifest = await manifestWithSchema({
      type: 'object',
      properties: { words: { type: 'string', pattern: WORDS } },
      required: ['words'],
    });
    const running: ProxyAgent = await startAgent({ manifest, dir });
    agent = running;
    const refused = await timed(
      running.call('fx_pinned', { words: `${'a'.repeat(40)}!` }, { timeoutMs: 10_000 }),
    );
    expect(refused.ms).toBeLessThan(PROMPT_MS);
    expect(refused.value.isError).toBe(true);
    expect(refused.value.text).toBe(
      `Invalid arguments for 'fx_pinned': argument 'words' must match pattern "${WORDS}"`,
    );
    const accepted = await running.call('fx_pinned', { words: 'forty one characters of words that match' });
    expect(accepted.text).toBe('pinned says: Takes checked arguments.');

    process.kill(running.pid, 'SIGTERM');
    expect(await exitWithin(running, 3000)).toEqual({ code: 0, signal: null });
  }, 30_000);

  it('uniqueItems over 40,000 objects: both verdicts at once', async () => {
    const manifest = await manifestWithSchema(
      {
        type: 'object',
        properties: { rows: { type: 'array', uniqueItems: true, items: { type: 'object' } } },
      },
      // The check takes ~30 ms on an idle machine (the unit tests hold it to that); a loaded test machine
      // must not turn the verdict into a budget refusal.
      { argument_check_ms: 1000 },
    );
    agent = await connectAgent({ manifest, dir });
    const rows = Array.from({ length: 40_000 }, (_, i) => ({ id: i, tags: ['a', 'b'], note: `row ${i}` }));
    const unique = await timed(agent.call('fx_pinned', { rows }, { timeoutMs: 60_000 }));
    expect(unique.value.isError).toBe(false);
    expect(unique.ms).toBeLessThan(PROMPT_BIG_MS);

    // The same object as the first, keys in another order: a duplicate in JSON Schema's sense.
    const duplicated = [...rows, { note: 'row 0', tags: ['a', 'b'], id: 0 }];
    const refused = await timed(agent.call('fx_pinned', { rows: duplicated }, { timeoutMs: 60_000 }));
    expect(refused.ms).toBeLessThan(PROMPT_BIG_MS);
    expect(refused.value.isError).toBe(true);
    expect(refused.value.text).toBe(
      "Invalid arguments for 'fx_pinned': argument 'rows' must NOT have duplicate items (items ## 0 and 40000 are identical)",
    );
  }, 120_000);

  it('a pattern RE2 cannot express is still enforced; past argument_check_ms the call is refused and reported', async () => {
    const events = join(dir, 'events.jsonl');
    const definition = join(dir, 'definition.json');
    const lookahead = '^(?=(a+)+$)a';
    await writeFile(
      definition,
      JSON.stringify({
        description: 'Takes checked arguments.',
        inputSchema: { type: 'object', properties: { code: { type: 'string', pattern: lookahead } } },
      }),
    );
    const manifest = await writeManifest(dir, {
      fx: {
        config: fixtureConfig({
          FIXTURE_TOOLSET: 'echo',
          FIXTURE_DESCRIPTION_FILE: definition,
          FIXTURE_EVENTS: events,
        }),
      },
    });
    agent = await connectAgent({ manifest, dir });
    expect((await agent.call('fx_pinned', { code: 'aaa' })).isError).toBe(false);
    expect((await agent.call('fx_pinned', { code: 'b' })).text).toBe(
      `Invalid arguments for 'fx_pinned': argument 'code' must match pattern "${lookahead}"`,
    );
    const stopped = await timed(agent.call('fx_pinned', { code: `${'a'.repeat(40)}!` }));
    expect(stopped.ms).toBeLessThan(PROMPT_MS);
    expect(stopped.value.isError).toBe(true);
    expect(stopped.value.text).toBe(
      "checking the arguments of 'fx_pinned' against its schema takes longer than 100 ms (argument_check_ms); send simpler arguments (fewer items, less nesting, shorter strings)",
    );
    expect(stopped.value.raw._meta?.['scoped-mcp/error']).toEqual({
      code: 'SMCP_LIMIT_EXCEEDED',
      limit: { name: 'argument_check_ms', value: 100 },
    });
    // Only the accepted call reached the upstream.
    const calls = (await readEvents(events)).filter((e) => e.event === 'tool_call');
    expect(calls.map((e) => e.args)).toEqual([{ code: 'aaa' }]);
    const warning = (await opsLines(agent)).find((line) => line.event === 'mcp_proxy_pattern_backtracking');
    expect(warning).toMatchObject({
      instance: 'fx',
      tool: 'pinned',
      patterns: [{ keyword: 'pattern', pattern: lookahead }],
    });
  });
});
