import { createModuleHarness, type HarnessResult, type ModuleHarness } from '@scoped-mcp/testing';
import { readErrorMeta } from '@scoped-mcp/core';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeNtfy, startFakeNtfy } from './__fixtures__/fake-ntfy.js';
import ntfy from './index.js';

let fake: FakeNtfy;
const harnesses: ModuleHarness[] = [];

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
  await fake?.close();
});

async function agent(
  options: { config?: Record<string, unknown>; credentials?: Record<string, string>; agentId?: string } = {},
): Promise<ModuleHarness> {
  const harness = await createModuleHarness(ntfy, {
    config: { timeout_ms: 2000, ...options.config },
    credentials: options.credentials ?? { NTFY_URL: fake.url },
    agentId: options.agentId ?? 'agent-a',
  });
  harnesses.push(harness);
  return harness;
}

const send = (h: ModuleHarness, args: Record<string, unknown>) =>
  h.call('send', { title: 'Build done', message: 'All green', ...args });

function code(result: HarnessResult): string | undefined {
  return readErrorMeta(result.raw)?.code;
}

describe('ntfy_send', () => {
  it('publishes to {NTFY_URL}/agents-{agent_id} and answers true, as the reference does', async () => {
    fake = await startFakeNtfy();
    const h = await agent();
    expect(h.toolNames).toEqual(['ntfy_send']);
    const r = await send(h, { tags: 'robot,white_check_mark' });
    expect(r.isError).toBe(false);
    expect(r.text).toBe('true');
    expect(r.raw.structuredContent).toEqual({ result: true });
    expect(fake.refused).toEqual([]);
    expect(fake.published).toEqual([
      expect.objectContaining({
        topic: 'agents-agent-a',
        title: 'Build done',
        message: 'All green',
        priority: 3,
        tags: ['robot', 'white_check_mark'],
      }),
    ]);
    expect(fake.requests[0]?.method).toBe('POST');
    expect(fake.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('sends no Tags header when tags are empty', async () => {
    fake = await startFakeNtfy();
    await send(await agent(), {});
    expect(fake.requests[0]?.headers.tags).toBeUndefined();
  });

  it('uses the configured topic template with the agent id', async () => {
    fake = await startFakeNtfy();
    await send(await agent({ config: { topic: 'ci_{agent_id}_alerts' }, agentId: 'builder-7' }), {});
    expect(fake.published[0]?.topic).toBe('ci_builder-7_alerts');
  });

  it.each([
    ['urgent', 'high', 4],
    ['high', 'high', 4],
    ['low', 'high', 2],
    ['min', 'urgent', 1],
    ['no-such-priority', 'urgent', 3],
    ['urgent', 'min', 1],
    ['default', 'low', 2],
  ])('asks for %s under max_priority %s: ntfy gets priority %i', async (priority, max, expected) => {
    fake = await startFakeNtfy();
    const r = await send(await agent({ config: { max_priority: max } }), { priority });
    expect(r.isError).toBe(false);
    expect(fake.published[0]?.priority).toBe(expected);
  });

  it('sends NTFY_TOKEN as a bearer token', async () => {
    fake = await startFakeNtfy({ token: 'tk_right' });
    const r = await send(await agent({ credentials: { NTFY_URL: fake.url, NTFY_TOKEN: 'tk_right' } }), {});
    expect(r.isError).toBe(false);
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer tk_right');
  });
});

describe('ntfy config and credentials', () => {
  it.each([
    [
      { topic: 'agents-{agent_type}' },
      /config\.topic: the only placeholder a topic may hold is \{agent_id\}/,
    ],
    [{ topic: 'agents-{0}' }, /config\.topic: the only placeholder/],
    [{ topic: 'agents-{agent_id' }, /config\.topic: unbalanced/],
    [{ max_priority: 'extreme' }, /config\.max_priority: must be one of min, low, default, high, urgent/],
  ])('refuses %j, naming the field', async (config, message) => {
    fake = await startFakeNtfy();
    await expect(agent({ config })).rejects.toThrow(message);
  });

  it('refuses a topic that renders to a name ntfy refuses (checked after rendering)', async () => {
    fake = await startFakeNtfy();
    await expect(agent({ config: { topic: 'alerts.{agent_id}' } })).rejects.toThrow(
      /config\.topic renders to a name ntfy refuses for agent 'agent-a'/,
    );
    // 64 characters at most: a long agent id makes the default topic too long.
    await expect(agent({ agentId: 'a'.repeat(60) })).rejects.toThrow(/config\.topic renders/);
    expect(fake.requests).toEqual([]);
  });

  it('URL-encodes the rendered topic into the path', async () => {
    fake = await startFakeNtfy();
    await send(await agent({ config: { topic: 'x_{agent_id}' } }), {});
    expect(fake.requests[0]?.path).toBe('/x_agent-a');
  });

  it('refuses to send a token over plain http to another host, without quoting it', async () => {
    fake = await startFakeNtfy();
    const error = await agent({
      credentials: { NTFY_URL: 'http://ntfy.example.org', NTFY_TOKEN: 'tk_never_in_clear' },
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(
      /NTFY_URL uses plain http to a host that is not loopback, which would send NTFY_TOKEN unencrypted/,
    );
    expect(error?.message).not.toContain('tk_never_in_clear');
    expect(error?.message).not.toContain('ntfy.example.org');
  });

  it.each([
    ['not a url', /NTFY_URL is not a URL/],
    ['ftp://127.0.0.1/', /NTFY_URL must be an http/],
    ['http://user:pw@127.0.0.1/', /NTFY_URL must not hold a user or password/],
  ])('refuses NTFY_URL %j', async (url, message) => {
    fake = await startFakeNtfy();
    await expect(agent({ credentials: { NTFY_URL: url } })).rejects.toThrow(message);
  });
});

describe('ntfy errors', () => {
  it('a token without access to the topic: ntfy’s 403, named, nothing sent', async () => {
    fake = await startFakeNtfy({ token: 'tk_right', writableTopics: ['other'] });
    const r = await send(await agent({ credentials: { NTFY_URL: fake.url, NTFY_TOKEN: 'tk_right' } }), {});
    expect(r.isError).toBe(true);
    expect(r.text).toBe('ntfy refused the message (HTTP 403: forbidden)');
    expect(code(r)).toBe('SMCP_UPSTREAM_ERROR');
    expect(fake.published).toEqual([]);
  });

  it('a wrong token: 401 unauthorized', async () => {
    fake = await startFakeNtfy({ token: 'tk_right' });
    const r = await send(await agent({ credentials: { NTFY_URL: fake.url, NTFY_TOKEN: 'tk_wrong' } }), {});
    expect(r.text).toBe('ntfy refused the message (HTTP 401: unauthorized)');
  });

  it('retries a 429 once its Retry-After has passed, within the deadline', async () => {
    fake = await startFakeNtfy();
    fake.behaviour = { kind: 'rate_limited', retryAfter: '1', times: 1 };
    const r = await send(await agent({ config: { timeout_ms: 5000 } }), {});
    expect(r.isError).toBe(false);
    expect(fake.requests).toHaveLength(2);
    expect(fake.published).toHaveLength(1);
  });

  it('a 429 whose wait does not fit the deadline: the agent is told when to retry', async () => {
    fake = await startFakeNtfy();
    fake.behaviour = { kind: 'rate_limited', retryAfter: '60' };
    const r = await send(await agent(), {});
    expect(r.text).toBe('ntfy is rate limiting (HTTP 429: limit reached: too many requests); retry in 60 s');
    expect(readErrorMeta(r.raw)).toMatchObject({ code: 'SMCP_UPSTREAM_UNAVAILABLE', retry_after_ms: 60_000 });
    expect(fake.requests).toHaveLength(1);
  });

  it('a 5xx: unavailable, retry later', async () => {
    fake = await startFakeNtfy();
    fake.behaviour = { kind: 'fail', status: 502 };
    const r = await send(await agent(), {});
    expect(r.text).toBe('ntfy failed (HTTP 502: internal server error); retry later');
    expect(code(r)).toBe('SMCP_UPSTREAM_UNAVAILABLE');
  });

  it('an answer slower than timeout_ms: given up on', async () => {
    fake = await startFakeNtfy();
    fake.behaviour = { kind: 'slow', ms: 3000 };
    const started = Date.now();
    const r = await send(await agent({ config: { timeout_ms: 300 } }), {});
    expect(r.text).toBe('ntfy did not answer within 300 ms (timeout_ms)');
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('a redirect is never followed', async () => {
    fake = await startFakeNtfy();
    fake.behaviour = { kind: 'redirect' };
    const r = await send(await agent(), {});
    expect(r.text).toMatch(/^ntfy answered with a redirect \(HTTP 301\), which is never followed/);
    expect(fake.requests).toHaveLength(1);
  });
});

describe('ntfy header injection and encodings', () => {
  it('CR/LF in the title cannot add a header: CR removed, LF made a space (reference)', async () => {
    fake = await startFakeNtfy();
    const r = await send(await agent({ config: { max_priority: 'low' } }), {
      title: 'hello\r\nPriority: urgent\r\nX-Click: https://evil.example',
      tags: 'a\r\nX-Actions: view, x, https://evil.example',
    });
    expect(r.isError).toBe(false);
    const [m] = fake.published;
    expect(m?.title).toBe('hello Priority: urgent X-Click: https://evil.example');
    expect(m?.tags).toEqual(['a X-Actions: view', 'x', 'https://evil.example']);
    expect(m?.priority).toBe(2);
    expect(m?.headers['x-click']).toBeUndefined();
    expect(m?.headers['x-actions']).toBeUndefined();
  });

  it('other control characters are removed', async () => {
    fake = await startFakeNtfy();
    const r = await send(await agent(), { title: 'a\u0000b\u0007c\u007fd\u2028e' });
    expect(r.isError).toBe(false);
    expect(fake.published[0]?.title).toBe('abcde');
  });

  it.each([
    ['Latin-1', 'Überwachung fertig – Größe: 3 µm'],
    ['CJK', '构建完成：全部通过'],
    ['emoji', 'Deploy 🚀 done ✅'],
    ['right-to-left', 'הבנייה הושלמה'],
    ['text that looks like an encoded word', '=?UTF-8?B?aGk=?= plain'],
  ])('a %s title arrives as written (RFC 2047 encoded-words)', async (_label, title) => {
    fake = await startFakeNtfy();
    const r = await send(await agent(), {
      title,
      tags: title === '=?UTF-8?B?aGk=?= plain' ? '' : `ok,${title}`,
    });
    expect(r.isError).toBe(false);
    const [m] = fake.published;
    if (title.startsWith('=?')) {
      // ntfy decodes what looks like an encoded word; harmless: the agent could have written "hi" itself.
      expect(m?.title).toBe('hi plain');
    } else {
      expect(m?.title).toBe(title);
      expect(m?.tags).toEqual(['ok', title]);
      // Every header value that went over the wire is printable ASCII.
      expect(m?.headers.title).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  it('huge title and tags are cut to 250 characters', async () => {
    fake = await startFakeNtfy();
    const r = await send(await agent(), {
      title: 'é'.repeat(10_000),
      tags: `x${'y'.repeat(10_000)}`,
      message: 'm'.repeat(4096),
    });
    expect(r.isError).toBe(false);
    const [m] = fake.published;
    expect(m?.title).toBe('é'.repeat(250));
    expect(m?.tags[0]).toHaveLength(250);
    expect(m?.message).toHaveLength(4096);
  });

  it('a message over the server’s size limit is the server’s refusal, named', async () => {
    fake = await startFakeNtfy();
    const r = await send(await agent(), { message: 'm'.repeat(100_000) });
    expect(r.text).toBe('ntfy refused the message (HTTP 400: invalid request: attachments not allowed)');
    expect(fake.published).toEqual([]);
  });
});
