import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ErrorCode } from '../errors/codes.js';
import type { ArgumentFilterRule } from '../manifest/schema.js';
import { defineModule, defineTool } from '../module/define.js';
import { createModuleHarness } from '@scoped-mcp/testing';
import {
  argRule,
  auditSink,
  b64,
  b64url,
  fakeCall,
  pct,
  responseRule,
} from './__fixtures__/filter-test-kit.js';
import { PolicyError } from '../errors/errors.js';
import { createArgumentFilterMiddleware } from './argument-filter.js';
import { createResponseFilterMiddleware } from './response-filter.js';

const TOOL = 'shell_run';
const BLOCKED = `tool call to '${TOOL}' blocked by argument filter policy`;

function setup(rules: ArgumentFilterRule[]) {
  const { audit, records } = auditSink();
  const middleware = createArgumentFilterMiddleware({ rules, audit, agentId: 'agent-a' });
  let handled = 0;
  const call = async (args: Record<string, unknown>) => {
    try {
      const out = await middleware(fakeCall(TOOL, args), async () => {
        handled++;
        return 'ran';
      });
      return { ok: true as const, out };
    } catch (error) {
      return { ok: false as const, error: error as PolicyError };
    }
  };
  return {
    call,
    records,
    events: (name: string) => records.filter((r) => r.event === name),
    get handled() {
      return handled;
    },
  };
}

const rmRule = (extra: Partial<ArgumentFilterRule> = {}) =>
  argRule({ name: 'no-rm', pattern: 'rm\\s+-rf', ...extra });

describe('argument filter: rule shapes', () => {
  it('blocks a named field and leaves other fields alone', async () => {
    const t = setup([rmRule({ fields: ['cmd'] })]);
    expect((await t.call({ cmd: 'rm -rf /' })).ok).toBe(false);
    expect(await t.call({ note: 'rm -rf /' })).toEqual({ ok: true, out: 'ran' });
    expect(await t.call({})).toEqual({ ok: true, out: 'ran' });
    expect(t.handled).toBe(2);
  });

  it("'*' inspects every argument; several named fields are all inspected", async () => {
    const star = setup([rmRule()]);
    expect((await star.call({ a: 'ok', b: 'rm -rf /' })).ok).toBe(false);
    const named = setup([rmRule({ fields: ['a', 'b'] })]);
    expect((await named.call({ a: 'ok', b: 'rm -rf /' })).ok).toBe(false);
    expect((await named.call({ a: 'ok', c: 'rm -rf /' })).ok).toBe(true);
  });

  it('is case-sensitive unless case_insensitive (or a leading (?i)) says otherwise', async () => {
    expect((await setup([rmRule()]).call({ cmd: 'RM -RF /' })).ok).toBe(true);
    expect((await setup([rmRule({ case_insensitive: true })]).call({ cmd: 'RM -RF /' })).ok).toBe(false);
    expect((await setup([rmRule({ pattern: '(?i)rm\\s+-rf' })]).call({ cmd: 'Rm -Rf /' })).ok).toBe(false);
  });

  it('uses regex search, not a full match', async () => {
    const t = setup([argRule({ name: 'etc', pattern: '/etc/(passwd|shadow)' })]);
    expect((await t.call({ path: 'cat /etc/shadow; echo' })).ok).toBe(false);
    expect((await t.call({ path: '/etc/hosts' })).ok).toBe(true);
  });

  it('skips non-string values (numbers, booleans, null)', async () => {
    const t = setup([argRule({ name: 'digits', pattern: '1234' })]);
    expect((await t.call({ n: 1234, b: true, z: null, list: [1234] })).ok).toBe(true);
    expect((await t.call({ s: '1234' })).ok).toBe(false);
  });

  it('warn rules audit every matching rule once and let the call through', async () => {
    const t = setup([
      argRule({ name: 'w1', pattern: 'curl', action: 'warn' }),
      argRule({ name: 'w2', pattern: 'http', action: 'warn', fields: ['url'] }),
      argRule({ name: 'w3', pattern: 'never', action: 'warn' }),
    ]);
    const r = await t.call({ cmd: 'curl x; curl y', url: 'http://a', more: 'curl z' });
    expect(r).toEqual({ ok: true, out: 'ran' });
    const warnings = t.events('argument_filter_warning');
    expect(warnings.map((w) => [w.filter_name, w.field_name, w.matched_on])).toEqual([
      ['w1', 'cmd', 'raw'],
      ['w2', 'url', 'raw'],
    ]);
    expect(warnings[0]).toMatchObject({ tool: TOOL, level: 'warn' });
  });

  it('runs block rules before warn rules, block rules in manifest order, first hit only', async () => {
    const t = setup([
      argRule({ name: 'warn-first', pattern: 'rm', action: 'warn' }),
      argRule({ name: 'block-a', pattern: 'rm' }),
      argRule({ name: 'block-b', pattern: 'rm' }),
    ]);
    expect((await t.call({ cmd: 'rm -rf /' })).ok).toBe(false);
    expect(t.events('argument_filter_warning')).toEqual([]);
    expect(t.events('argument_filter_blocked').map((b) => b.filter_name)).toEqual(['block-a']);
    expect(t.handled).toBe(0);
  });
});

describe('argument filter: what the agent and the audit log see', () => {
  it('refuses with a generic PolicyError that names neither rule, field nor value', async () => {
    const secretRule = argRule({
      name: 'exfil-to-pastebin',
      pattern: 'pastebin\\.com',
      fields: ['target_url'],
    });
    const t = setup([secretRule]);
    const r = await t.call({ target_url: 'https://pastebin.com/raw/x' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(PolicyError);
    expect(r.error.code).toBe(ErrorCode.policyBlocked);
    expect(r.error.message).toBe(BLOCKED);
    for (const hidden of ['exfil-to-pastebin', 'target_url', 'pastebin', 'raw/x']) {
      expect(r.error.message).not.toContain(hidden);
    }
  });

  it('audits the rule, field and where it matched, never the value', async () => {
    const t = setup([argRule({ name: 'no-token', pattern: 'ghp_[A-Za-z0-9]+', decode: ['base64'] })]);
    const value = b64('token ghp_abcdefghijklmnop');
    await t.call({ body: value });
    const [blocked] = t.events('argument_filter_blocked');
    expect(blocked).toMatchObject({
      tool: TOOL,
      filter_name: 'no-token',
      field_name: 'body',
      location: 'value',
      matched_on: 'decoded',
      decoded_by: 'base64',
      level: 'warn',
    });
    const line = JSON.stringify(t.records);
    expect(line).not.toContain(value);
    expect(line).not.toContain('ghp_abcdefghijklmnop');
  });

  it('does not log an object key or argument name that is itself the match', async () => {
    const t = setup([rmRule()]);
    expect((await t.call({ opts: { 'rm -rf /': true } })).ok).toBe(false);
    expect((await t.call({ 'rm -rf /': 1 })).ok).toBe(false);
    const blocked = t.events('argument_filter_blocked');
    expect(blocked.map((b) => [b.field_name, b.location])).toEqual([
      ['opts', 'key'],
      [null, 'name'],
    ]);
    expect(JSON.stringify(t.records)).not.toContain('rm -rf');
  });
});

describe('argument filter: nested values', () => {
  const nested = { opts: { steps: [{ run: 'ls' }, { run: ['echo', 'rm -rf /'] }] } };

  it("a named field's whole subtree is inspected", async () => {
    expect((await setup([rmRule({ fields: ['opts'] })]).call(nested)).ok).toBe(false);
    expect((await setup([rmRule({ fields: ['other'] })]).call(nested)).ok).toBe(true);
  });

  it("'*' reaches strings at any depth, and object keys", async () => {
    expect((await setup([rmRule()]).call(nested)).ok).toBe(false);
    expect((await setup([rmRule()]).call({ a: [[[[{ b: { 'rm -rf /': 0 } }]]]] })).ok).toBe(false);
  });

  it('field names match the top level only', async () => {
    // `run` exists only nested; a rule on `run` does not reach into `opts`.
    expect((await setup([rmRule({ fields: ['run'] })]).call(nested)).ok).toBe(true);
  });

  it('survives very deep nesting without overflowing the stack', async () => {
    let deep: unknown = 'rm -rf /';
    for (let i = 0; i < 50_000; i++) deep = [deep];
    expect((await setup([rmRule()]).call({ deep })).ok).toBe(false);
  });
});

describe('argument filter: bypass attempts', () => {
  const payload = 'rm -rf /';
  const caught: [string, Record<string, unknown>, Partial<ArgumentFilterRule>][] = [
    ['upper case with case_insensitive', { cmd: 'RM -RF /' }, { case_insensitive: true }],
    ['full-width letters (NFKC)', { cmd: 'ｒｍ -ｒｆ /' }, {}],
    ['zero-width space inside the word', { cmd: 'r\u200bm -rf /' }, {}],
    ['soft hyphen inside the word', { cmd: 'r\u00adm -r\u00adf /' }, {}],
    ['hex escapes fed to printf', { cmd: "printf '\\x72\\x6d -rf /' | sh" }, {}],
    ['unicode escapes', { cmd: '\\u0072\\u006d -rf /' }, {}],
    ['HTML numeric entities', { cmd: '&#114;&#x6d; -rf /' }, {}],
    ['percent-encoding', { cmd: pct(payload) }, { decode: ['url'] }],
    ['double percent-encoding, [url, url]', { cmd: pct(pct(payload)) }, { decode: ['url', 'url'] }],
    ['base64', { cmd: b64(payload) }, { decode: ['base64'] }],
    ['double base64, [base64, base64]', { cmd: b64(b64(payload)) }, { decode: ['base64', 'base64'] }],
    ['url-safe base64 without padding', { cmd: b64url('rm -rf /tmp/x?') }, { decode: ['urlsafe_base64'] }],
    ['base64 without padding', { cmd: b64(payload).replace(/=+$/, '') }, { decode: ['base64'] }],
    [
      'unpadded base64 embedded in a command (base64 -d decodes it)',
      { cmd: `echo ${b64(payload).replace(/=+$/, '')} | base64 -d | sh` },
      { decode: ['base64'] },
    ],
    [
      'unpadded url-safe base64 embedded in a command',
      { cmd: `echo ${b64url('rm -rf /tmp/x?')} | basenc --base64url -d | sh` },
      { decode: ['urlsafe_base64'] },
    ],
    [
      'base64 inside percent-encoding, [url, base64]',
      { cmd: pct(b64(payload)) },
      { decode: ['url', 'base64'] },
    ],
    [
      'base64 embedded in a command',
      { cmd: `echo ${b64(payload)} | base64 -d | sh` },
      { decode: ['base64'] },
    ],
    ['base64 of full-width text', { cmd: b64('ｒｍ -rf /') }, { decode: ['base64'] }],
    ['nested in an array in an object', { job: { argv: ['sh', '-c', payload] } }, {}],
    ['as an object key', { env: { [payload]: '1' } }, {}],
    ['as an argument name', { [payload]: 'x' }, {}],
  ];

  it.each(caught)('catches %s', async (_label, args, extra) => {
    const t = setup([rmRule(extra)]);
    const r = await t.call(args);
    expect(r.ok).toBe(false);
    expect(t.handled).toBe(0);
    expect(t.events('argument_filter_blocked')).toHaveLength(1);
  });

  it('documented limit: homoglyphs from other scripts are not folded (Cyrillic м is not m)', async () => {
    expect((await setup([rmRule()]).call({ cmd: 'r\u043c -rf /' })).ok).toBe(true);
  });

  it('documented limit: shell quoting and expansion are not interpreted', async () => {
    for (const cmd of ["r''m -rf /", "$'\\x72'm -rf /", `r\${EMPTY}m -rf /`]) {
      expect((await setup([rmRule()]).call({ cmd })).ok).toBe(true);
    }
  });

  it('documented limit: decoding needs the step in the rule (one base64 layer with decode: [base64] only)', async () => {
    expect((await setup([rmRule()]).call({ cmd: b64(payload) })).ok).toBe(true);
    expect((await setup([rmRule({ decode: ['base64'] })]).call({ cmd: b64(b64(payload)) })).ok).toBe(true);
  });

  it('oversized encoded values are matched raw only, audited, in bounded time', async () => {
    const t = setup([rmRule({ decode: ['base64'] })]);
    const big = b64(`${payload}${' '.repeat(100_000)}`);
    const started = performance.now();
    expect((await t.call({ content: big })).ok).toBe(true);
    expect(t.events('argument_filter_decode_skipped')).toEqual([
      expect.objectContaining({ reason: 'value_too_large', field_names: ['content'], level: 'info' }),
    ]);
    // A raw match in an oversized value still blocks.
    expect((await t.call({ content: `${'a'.repeat(200_000)} rm -rf /` })).ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('a flood of mid-sized encoded values exhausts the per-call budget, not the process', async () => {
    const t = setup([rmRule({ decode: ['base64', 'url'] })]);
    const chunk = b64('x'.repeat(60_000));
    const args: Record<string, unknown> = {};
    for (let i = 0; i < 40; i++) args[`f${i}`] = chunk;
    const started = performance.now();
    expect((await t.call(args)).ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(t.events('argument_filter_decode_skipped')).toEqual([
      expect.objectContaining({ reason: 'budget_exhausted' }),
    ]);
  });

  it('handles an argument holding hundreds of thousands of strings', async () => {
    const many = Array.from({ length: 300_000 }, () => 'ok');
    many.push('rm -rf /');
    expect((await setup([rmRule()]).call({ many })).ok).toBe(false);
  });

  it('does not let argument values change the rules (no regex state kept between calls)', async () => {
    const t = setup([rmRule()]);
    for (let i = 0; i < 5; i++) expect((await t.call({ cmd: 'rm -rf /' })).ok).toBe(false);
  });
});

// Both filters through the full tool chain (input parse, middleware, handler, error mapping, audit), as
// the server runs them: what the agent receives and which audit lines are written.

const SECRET = 'AKIAABCDEFGHIJKLMNOP';
const ran: string[] = [];

const shell = defineModule({
  name: 'shell',
  description: 'test module',
  config: z.strictObject({}),
  tools: {
    run: defineTool({
      mode: 'write',
      description: 'runs a command',
      input: z.strictObject({ cmd: z.string(), env: z.record(z.string(), z.string()).optional() }),
      async handler(args) {
        ran.push(args.cmd);
        return `ran ${args.cmd}`;
      },
    }),
    env: defineTool({
      mode: 'read',
      description: 'prints the environment',
      input: z.strictObject({}),
      async handler() {
        return { AWS_ACCESS_KEY_ID: SECRET, encoded: b64(`key ${SECRET}`), HOME: '/home/agent' };
      },
    }),
  },
});

async function harness() {
  const { audit, records } = auditSink();
  const h = await createModuleHarness(shell, {
    middleware: [
      createArgumentFilterMiddleware({
        rules: [argRule({ name: 'no-rm', pattern: 'rm\\s+-rf', decode: ['base64'] })],
        audit,
        agentId: 'test-agent',
      }),
      createResponseFilterMiddleware({
        rules: [
          responseRule({ name: 'aws', pattern: 'AKIA[A-Z0-9]{16}', action: 'redact', decode: ['base64'] }),
        ],
        audit,
        agentId: 'test-agent',
      }),
    ],
  });
  return { h, records };
}

describe('filters in the tool pipeline', () => {
  it('a blocked call never reaches the handler; the agent gets the generic message; both audit lines', async () => {
    const { h, records } = await harness();
    ran.length = 0;
    const r = await h.call('run', { cmd: 'true', env: { X: b64('rm -rf ~') } });
    expect(r.isError).toBe(true);
    expect(r.text).toBe("tool call to 'shell_run' blocked by argument filter policy");
    expect(ran).toEqual([]);
    expect(h.audit).toEqual([
      expect.objectContaining({ event: 'tool_error', tool: 'shell_run', error_code: 'SMCP_POLICY_BLOCKED' }),
    ]);
    expect(records).toEqual([
      expect.objectContaining({ event: 'argument_filter_blocked', filter_name: 'no-rm', field_name: 'env' }),
    ]);
    await h.close();
  });

  it('an allowed call runs once and is audited as tool_call', async () => {
    const { h } = await harness();
    ran.length = 0;
    const r = await h.call('run', { cmd: 'ls -la' });
    expect(r).toMatchObject({ isError: false, text: 'ran ls -la' });
    expect(ran).toEqual(['ls -la']);
    // A write-mode tool: the line announcing it comes before it runs.
    expect(h.audit).toEqual([
      expect.objectContaining({ event: 'tool_call_started', args: { cmd: 'ls -la' } }),
      expect.objectContaining({ event: 'tool_call', status: 'ok' }),
    ]);
    await h.close();
  });

  it('the agent receives the redacted response, raw and decoded-only matches alike', async () => {
    const { h, records } = await harness();
    const r = await h.call('env', {});
    expect(r.json()).toEqual({ AWS_ACCESS_KEY_ID: '[REDACTED]', encoded: '[REDACTED]', HOME: '/home/agent' });
    expect(r.text).not.toContain(SECRET);
    expect(records).toEqual([
      expect.objectContaining({
        event: 'response_filter_redacted',
        filter_name: 'aws',
        count: 2,
        decoded_count: 1,
      }),
    ]);
    await h.close();
  });
});
