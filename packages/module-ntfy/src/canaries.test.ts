import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { type FakeNtfy, type NtfyBehaviour, startFakeNtfy } from './__fixtures__/fake-ntfy.js';
import ntfy from './index.js';

// Every credential gets a unique value; none may show in any result, error, audit line or ops line, on
// any path, success or failure.
const URL_CANARY = 'ntfy-url-canary-5f1e0d';
const TOKEN_CANARY = 'tk_canary_c0ffee42d00d';

describe('ntfy credentials never reach the agent or the logs', () => {
  let fake: FakeNtfy;
  let harness: ModuleHarness;
  const seen: string[] = [];

  afterAll(async () => {
    await harness?.close();
    await fake?.close();
  });

  it('on success and on every failure', async () => {
    fake = await startFakeNtfy({ token: TOKEN_CANARY, basePath: `/${URL_CANARY}` });
    harness = await createModuleHarness(ntfy, {
      config: { timeout_ms: 400 },
      credentials: { NTFY_URL: fake.url, NTFY_TOKEN: TOKEN_CANARY },
      agentId: 'agent-a',
    });
    const behaviours: NtfyBehaviour[] = [
      { kind: 'ok' },
      { kind: 'rate_limited', retryAfter: '30' },
      { kind: 'fail', status: 503 },
      { kind: 'hang' },
      { kind: 'redirect' },
    ];
    const texts: string[] = [];
    for (const behaviour of behaviours) {
      fake.behaviour = behaviour;
      const r = await harness.call('send', { title: 't', message: 'm' });
      texts.push(r.text);
      seen.push(JSON.stringify(r.raw));
    }
    // A bad priority the server refuses cannot happen (it is clamped); a closed server can.
    await fake.close();
    const closed = await harness.call('send', { title: 't', message: 'm' });
    texts.push(closed.text);
    seen.push(JSON.stringify(closed.raw));
    expect(texts).toEqual([
      'true',
      'ntfy is rate limiting (HTTP 429: limit reached: too many requests); retry in 30 s',
      'ntfy failed (HTTP 503: internal server error); retry later',
      'ntfy did not answer within 400 ms (timeout_ms)',
      expect.stringMatching(/^ntfy answered with a redirect/),
      expect.stringMatching(/^ntfy could not be reached \((ECONNREFUSED|UND_ERR_SOCKET)\)$/),
    ]);
    seen.push(JSON.stringify(harness.audit), JSON.stringify(harness.ops));
    const everything = seen.join('\n');
    expect(everything).not.toContain(URL_CANARY);
    expect(everything).not.toContain(TOKEN_CANARY);
    expect(everything).not.toContain(new URL(fake.url).host);
    // The audit log did record the calls (the check above is not vacuous).
    expect(harness.audit.length).toBeGreaterThanOrEqual(6);
  });
});
