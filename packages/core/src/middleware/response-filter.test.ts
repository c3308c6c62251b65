import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/codes.js';
import { isScopedMcpError, ToolFailure } from '../errors/errors.js';
import type { ResponseFilterRule } from '../manifest/schema.js';
import { isRawResult, rawResult } from '../module/define.js';
import type { ToolOutput } from '../module/types.js';
import { auditSink, b64, fakeCall, pct, responseRule } from './__fixtures__/filter-test-kit.js';
import { PolicyError } from '../errors/errors.js';
import { createResponseFilterMiddleware } from './response-filter.js';

const TOOL = 'files_read';
const SECRET = 'AKIAABCDEFGHIJKLMNOP';
const awsRule = (extra: Partial<ResponseFilterRule> = {}) =>
  responseRule({ name: 'aws-key', pattern: 'AKIA[A-Z0-9]{16}', action: 'redact', ...extra });

function setup(rules: ResponseFilterRule[]) {
  const { audit, records } = auditSink();
  const middleware = createResponseFilterMiddleware({ rules, audit, agentId: 'agent-a' });
  const run = async (output: ToolOutput | (() => never)) => {
    try {
      const out = await middleware(fakeCall(TOOL, {}), async () =>
        typeof output === 'function' ? output() : output,
      );
      return { ok: true as const, out };
    } catch (error) {
      return { ok: false as const, error };
    }
  };
  return { run, records, events: (name: string) => records.filter((r) => r.event === name) };
}

describe('response filter: actions', () => {
  it('redact replaces every raw match in a string and audits the rule with a count', async () => {
    const t = setup([awsRule()]);
    const r = await t.run(`key=${SECRET} again ${SECRET}`);
    expect(r).toEqual({ ok: true, out: 'key=[REDACTED] again [REDACTED]' });
    expect(t.events('response_filter_redacted')).toEqual([
      expect.objectContaining({
        tool: TOOL,
        filter_name: 'aws-key',
        count: 1,
        decoded_count: 0,
      }),
    ]);
    expect(JSON.stringify(t.records)).not.toContain(SECRET);
  });

  it('warn leaves the output unchanged and audits once per rule with a count', async () => {
    const t = setup([awsRule({ action: 'warn' })]);
    const out = { a: SECRET, b: [SECRET, 'x'] };
    const r = await t.run(out);
    expect(r).toEqual({ ok: true, out });
    expect(r.ok && r.out).toBe(out);
    expect(t.events('response_filter_warning')).toEqual([
      expect.objectContaining({ filter_name: 'aws-key', count: 2, matched_on: 'raw' }),
    ]);
  });

  it('block refuses the whole response with a generic PolicyError and audits the rule', async () => {
    const t = setup([awsRule({ action: 'block', name: 'aws-secret-rule' })]);
    const r = await t.run({ nested: [{ deep: `x ${SECRET}` }] });
    expect(r.ok).toBe(false);
    const error = (r as { error: PolicyError }).error;
    expect(error).toBeInstanceOf(PolicyError);
    expect(error.code).toBe(ErrorCode.policyBlocked);
    expect(error.message).toBe(`tool response from '${TOOL}' blocked by response filter policy`);
    expect(error.message).not.toContain('aws-secret-rule');
    expect(error.message).not.toContain(SECRET);
    expect(t.events('response_filter_blocked')).toEqual([
      expect.objectContaining({ filter_name: 'aws-secret-rule', matched_on: 'raw', level: 'warn' }),
    ]);
  });

  it('applies rules in manifest order, each seeing the previous one’s output', async () => {
    const redactThenBlock = setup([awsRule(), awsRule({ name: 'block', action: 'block' })]);
    expect(await redactThenBlock.run(SECRET)).toEqual({ ok: true, out: '[REDACTED]' });
    const blockThenRedact = setup([awsRule({ name: 'block', action: 'block' }), awsRule()]);
    expect((await blockThenRedact.run(SECRET)).ok).toBe(false);
  });

  it('is case-sensitive unless case_insensitive is set', async () => {
    expect(await setup([awsRule()]).run(SECRET.toLowerCase())).toEqual({
      ok: true,
      out: SECRET.toLowerCase(),
    });
    expect(await setup([awsRule({ case_insensitive: true })]).run(SECRET.toLowerCase())).toEqual({
      ok: true,
      out: '[REDACTED]',
    });
  });
});

describe('response filter: output shapes', () => {
  it('walks JSON values, object keys included, copy-on-write', async () => {
    const t = setup([awsRule()]);
    const untouched = { plain: 'x' };
    const out = { list: [1, true, null, `k ${SECRET}`], untouched, [SECRET]: 'as key' };
    const r = await t.run(out);
    expect(r.ok && r.out).toEqual({
      list: [1, true, null, 'k [REDACTED]'],
      untouched,
      '[REDACTED]': 'as key',
    });
    expect(r.ok && (r.out as { untouched: unknown }).untouched).toBe(untouched);
    // The handler's object is not modified.
    expect(out.list[3]).toBe(`k ${SECRET}`);
  });

  it('keeps two keys that redact to the same text apart', async () => {
    const r = await setup([awsRule()]).run({ [SECRET]: 1, [SECRET.replace('P', 'Q')]: 2 });
    expect(r.ok && r.out).toEqual({ '[REDACTED]': 1, '[REDACTED] (2)': 2 });
  });

  it('keeps a __proto__ key a plain property', async () => {
    const out = JSON.parse(`{"__proto__": {"polluted": "${SECRET}"}}`) as ToolOutput;
    const r = await setup([awsRule()]).run(out);
    expect(r.ok && JSON.stringify(r.out)).toBe('{"__proto__":{"polluted":"[REDACTED]"}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('scans raw results: text blocks, embedded resources (text and text blobs), structuredContent', async () => {
    const image = { type: 'image', data: b64(SECRET), mimeType: 'image/png' };
    const out = rawResult({
      content: [
        { type: 'text', text: `t ${SECRET}` },
        { type: 'resource', resource: { uri: 'file:///a', text: `r ${SECRET}` } },
        {
          type: 'resource',
          resource: { uri: 'file:///b', blob: b64(`blob ${SECRET}`), mimeType: 'text/plain' },
        },
        image,
      ],
      structuredContent: { s: SECRET },
      isError: false,
    });
    const r = await setup([awsRule()]).run(out);
    expect(r.ok).toBe(true);
    const result = (r as { out: ToolOutput }).out;
    expect(isRawResult(result)).toBe(true);
    if (!isRawResult(result)) return;
    const [text, resource, blob, img] = result.result.content as unknown as Record<string, unknown>[];
    expect(text).toEqual({ type: 'text', text: 't [REDACTED]' });
    expect(resource).toEqual({ type: 'resource', resource: { uri: 'file:///a', text: 'r [REDACTED]' } });
    const blobResource = (blob as { resource: { blob: string } }).resource;
    const blobText = Buffer.from(blobResource.blob, 'base64').toString('utf8');
    expect(blobText).toBe('blob [REDACTED]');
    // Binary content is not text: passed through as is.
    expect(img).toBe(image);
    expect(result.result.structuredContent).toEqual({ s: '[REDACTED]' });
    expect(result.result.isError).toBe(false);
    // The module's raw result was not modified.
    expect(out.result.content[0]?.text).toBe(`t ${SECRET}`);
  });

  it('returns the same raw result object when nothing matched', async () => {
    const out = rawResult({ content: [{ type: 'text', text: 'fine' }] });
    const r = await setup([awsRule()]).run(out);
    expect(r.ok && r.out).toBe(out);
  });

  it('blocks a raw result on a match in structuredContent', async () => {
    const out = rawResult({ content: [{ type: 'text', text: 'ok' }], structuredContent: { k: [SECRET] } });
    expect((await setup([awsRule({ action: 'block' })]).run(out)).ok).toBe(false);
  });

  it("filters the agent-visible message of a handler's ScopedMcpError, keeping its code", async () => {
    const t = setup([awsRule()]);
    const r = await t.run(() => {
      throw new ToolFailure(`backend said: bad key ${SECRET}`);
    });
    expect(r.ok).toBe(false);
    const error = (r as { error: unknown }).error;
    expect(isScopedMcpError(error) && error.code).toBe(ErrorCode.toolFailed);
    expect((error as Error).message).toBe('backend said: bad key [REDACTED]');
    const blocked = await setup([awsRule({ action: 'block' })]).run(() => {
      throw new ToolFailure(`bad key ${SECRET}`);
    });
    expect((blocked as { error: unknown }).error).toBeInstanceOf(PolicyError);
    // Unexpected errors reach the agent as a reference only, so they pass unchanged.
    const plain = new Error(SECRET);
    expect(
      await setup([awsRule()]).run(() => {
        throw plain;
      }),
    ).toEqual({ ok: false, error: plain });
  });
});

describe('response filter: decoded-only matches', () => {
  it('redacts the whole base64 token when the match is only visible decoded', async () => {
    const t = setup([awsRule({ decode: ['base64'] })]);
    const token = b64(`aws=${SECRET}`);
    const r = await t.run(`config blob: ${token} (end)`);
    expect(r).toEqual({ ok: true, out: 'config blob: [REDACTED] (end)' });
    expect(t.events('response_filter_redacted')).toEqual([
      expect.objectContaining({ count: 1, decoded_count: 1 }),
    ]);
  });

  it('redacts a value that is base64 as a whole', async () => {
    expect(await setup([awsRule({ decode: ['base64'] })]).run({ v: b64(SECRET) })).toEqual({
      ok: true,
      out: { v: '[REDACTED]' },
    });
  });

  it('redacts a percent-encoded URL token, leaving the rest', async () => {
    const r = await setup([awsRule({ decode: ['url'] })]).run(`see https://x.test/?k=${pct(SECRET)}&a=1 now`);
    expect(r).toEqual({ ok: true, out: 'see [REDACTED] now' });
  });

  it('redacts full-width (NFKC) and escaped forms', async () => {
    const fullWidth = [...SECRET].map((c) => String.fromCodePoint(c.codePointAt(0)! + 0xfee0)).join('');
    expect(await setup([awsRule()]).run(`a ${fullWidth} b`)).toEqual({ ok: true, out: 'a [REDACTED] b' });
    const escaped = [...SECRET].map((c) => `\\x${c.charCodeAt(0).toString(16)}`).join('');
    expect(await setup([awsRule()]).run(`"${escaped}"`)).toEqual({ ok: true, out: '"[REDACTED]"' });
  });

  it('redacts the whole string when the match cannot be localised to one token', async () => {
    // Split across two percent-encoded tokens: only the whole decoded string matches.
    const half = SECRET.length / 2;
    const text = `${pct(SECRET.slice(0, half))}%20${pct(SECRET.slice(half))}`.replace('%20', ' ');
    const rule = awsRule({ pattern: 'AKIAABCDEF GHIJKLMNOP', decode: ['url'] });
    expect(await setup([rule]).run(text)).toEqual({ ok: true, out: '[REDACTED]' });
  });

  it('blocks and warns on decoded-only matches too, naming the decoding in the audit line', async () => {
    const blocked = setup([awsRule({ action: 'block', decode: ['url', 'base64'] })]);
    expect((await blocked.run(pct(b64(SECRET)))).ok).toBe(false);
    expect(blocked.events('response_filter_blocked')[0]).toMatchObject({
      matched_on: 'decoded',
      decoded_by: 'url>base64',
    });
  });

  it('large outputs stay bounded: oversized strings matched raw, audited once', async () => {
    const t = setup([awsRule({ decode: ['base64'] })]);
    const started = performance.now();
    const out = { big: b64('x'.repeat(200_000)), raw: `${'y'.repeat(500_000)} ${SECRET}` };
    const r = await t.run(out);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(r.ok && (r.out as { raw: string }).raw.endsWith(' [REDACTED]')).toBe(true);
    expect(t.events('response_filter_decode_skipped')).toEqual([
      expect.objectContaining({ reason: 'value_too_large', level: 'info' }),
    ]);
  });
});
