import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HttpUpstream, startHttpUpstream } from './__fixtures__/http-upstream.js';
import { waitFor } from './__fixtures__/test-helpers.js';
import mcpProxy from './index.js';

const TOKEN = 'http-upstream-token-31337';
let upstream: HttpUpstream;
const harnesses: ModuleHarness[] = [];

beforeEach(async () => {
  upstream = await startHttpUpstream({ token: TOKEN });
});

afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
  await upstream.stop();
});

async function proxyTo(url: string, config: Record<string, unknown> = {}): Promise<ModuleHarness> {
  const h = await createModuleHarness(mcpProxy, {
    instance: 'web',
    config: { url, headers: { Authorization: `Bearer ${TOKEN}` }, pinning: 'off', ...config },
  });
  harnesses.push(h);
  return h;
}

describe('streamable HTTP upstream (127.0.0.1)', () => {
  it('sends the configured headers and passes calls through', async () => {
    const h = await proxyTo(upstream.url);
    expect(h.toolNames).toEqual(['web_echo', 'web_big', 'web_whoami']);
    expect((await h.call('web_echo', { text: 'over http' })).raw).toEqual({
      content: [{ type: 'text', text: 'over http' }],
    });
    expect(upstream.authorizations.every((value) => value === `Bearer ${TOKEN}`)).toBe(true);
    expect(h.ops.find((r) => r.event === 'mcp_proxy_ready')).toMatchObject({
      transport: 'http',
      upstream: `http: ${new URL(upstream.url).protocol}//${new URL(upstream.url).host}/mcp`,
    });
  });

  it('ends the upstream session with DELETE when it stops (close alone would leave it open)', async () => {
    const h = await proxyTo(upstream.url);
    expect(upstream.sessions.size).toBe(1);
    await h.close();
    harnesses.splice(harnesses.indexOf(h), 1);
    expect(upstream.terminated).toBe(1);
    expect(upstream.sessions.size).toBe(0);
  });

  it('fails setup on a rejected credential without showing it', async () => {
    const error = await createModuleHarness(mcpProxy, {
      instance: 'web',
      config: { url: upstream.url, headers: { Authorization: 'Bearer wrong-token-value' } },
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(
      /UpstreamStartError: upstream 'web' \(http: http:\/\/127\.0\.0\.1:\d+\/mcp\) did not start/,
    );
    expect(error?.message).not.toContain('wrong-token-value');
  });

  it('caps the response size of an HTTP upstream too', async () => {
    const h = await proxyTo(upstream.url, { max_response_bytes: 10_000 });
    const result = await h.call('web_big', { bytes: 20_000 });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('larger than max_response_bytes (10000 bytes)');
    expect((await h.call('web_big', { bytes: 5_000 })).text).toHaveLength(5_000);
  });

  it('reconnects with a new session after the upstream went away and came back', async () => {
    const h = await proxyTo(upstream.url, { restart: { max_backoff_seconds: 0.5 } });
    await upstream.stop();
    const down = await h.call('web_echo', { text: 'anyone?' });
    expect(down.isError).toBe(true);
    expect(down.text).toMatch(
      /^the upstream of 'web_echo' (could not be reached|stopped and is being restarted).*retry/,
    );
    await upstream.start();
    const back = await waitFor(async () => {
      const r = await h.call('web_echo', { text: 'back' });
      return !r.isError && r;
    });
    expect(back.text).toBe('back');
    expect(h.ops.some((r) => r.event === 'mcp_proxy_upstream_restarted')).toBe(true);
  });
});

describe('legacy HTTP+SSE upstream', () => {
  it('falls back to SSE only because the endpoint refuses the streamable POST', async () => {
    const h = await proxyTo(upstream.sseUrl);
    expect(h.ops.find((r) => r.event === 'mcp_proxy_ready')).toMatchObject({ transport: 'sse' });
    expect((await h.call('web_echo', { text: 'via sse' })).text).toBe('via sse');
    expect(upstream.authorizations.every((value) => value === `Bearer ${TOKEN}`)).toBe(true);
  });
});
