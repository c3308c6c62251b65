import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type HttpUpstream, startHttpUpstream } from './__fixtures__/http-upstream.js';
import { FIXTURE_UPSTREAM, fakeSession, progressChannel } from './__fixtures__/test-helpers.js';
import mcpProxy from './index.js';

// What the proxy hands its upstream (env values, credential_env, header values, URL credentials) must
// not come back to the agent on any channel: tool definitions, results, progress, logs.

const TOKEN = 'upstream-token-8c1f2d9e';
const open: ModuleHarness[] = [];
const upstreams: HttpUpstream[] = [];

afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
  for (const u of upstreams.splice(0)) await u.stop();
});

async function stdioProxy(config: Record<string, unknown>, credentials: Record<string, string> = {}) {
  const session = fakeSession({});
  const h = await createModuleHarness(mcpProxy, {
    instance: 'fx',
    config: { command: process.execPath, args: [FIXTURE_UPSTREAM], pinning: 'off', ...config },
    credentials,
    session,
  });
  open.push(h);
  return { h, session };
}

describe.each([
  ['env', { env: { FIXTURE_SECRET: TOKEN } }, {}],
  ['credential_env', { credential_env: ['FIXTURE_SECRET'] }, { FIXTURE_SECRET: TOKEN }],
])('a credential given to a stdio upstream through %s', (_, config, credentials) => {
  it('is redacted from the tool definition: title, description and schema default', async () => {
    const { h } = await stdioProxy(config, credentials);
    const tool = h.runtime.list().find((t) => t.name === 'fx_leak_secret');
    expect(tool).toBeDefined();
    expect(JSON.stringify(tool)).not.toContain(TOKEN);
    expect(tool?.title).toBe('Uses <redacted-secret>');
    expect(tool?.description).toBe('Calls home with <redacted-secret>.');
    expect(tool?.inputSchema.properties).toEqual({ token: { type: 'string', default: '<redacted-secret>' } });
  });

  it("is redacted from the result's _meta and from the progress message", async () => {
    const { h, session } = await stdioProxy(config, credentials);
    const { channel, events } = progressChannel(session, 'p1');
    const result = await h.call('fx_leak_secret', {}, { client: channel });
    expect(result.isError).toBe(false);
    expect(result.raw._meta).toEqual({ token: '<redacted-secret>' });
    expect(events).toEqual([{ progress: 1, total: 1, message: 'using <redacted-secret>' }]);
    expect(JSON.stringify([result.raw, events, h.audit, h.ops])).not.toContain(TOKEN);
  });
});

describe('an HTTP upstream', () => {
  it('takes a header from the credential source, and never shows it', async () => {
    const upstream = await startHttpUpstream({ token: TOKEN });
    upstreams.push(upstream);
    const h = await createModuleHarness(mcpProxy, {
      instance: 'web',
      config: {
        url: upstream.url,
        headers: { Authorization: { credential: 'API_TOKEN', prefix: 'Bearer ' } },
        pinning: 'off',
      },
      credentials: { API_TOKEN: TOKEN, UNRELATED: 'never-resolved-value' },
    });
    open.push(h);
    expect(upstream.authorizations.every((value) => value === `Bearer ${TOKEN}`)).toBe(true);
    const result = await h.call('web_whoami', {});
    expect(result.text).toMatch(/^authorization=Bearer <redacted-secret> url=\/mcp$/);
    expect(JSON.stringify([result.raw, h.audit, h.ops])).not.toContain(TOKEN);
  });

  it('declares only the credential keys the headers name', () => {
    const config = mcpProxy.config.parse({
      url: 'https://example.com/mcp',
      headers: { Authorization: { credential: 'API_TOKEN', prefix: 'Bearer ' }, Accept: 'application/json' },
    });
    const declared = typeof mcpProxy.credentials === 'function' ? mcpProxy.credentials(config) : undefined;
    expect(declared).toEqual({ required: ['API_TOKEN'] });
  });

  it('redacts a configured header token and a URL query token the upstream echoes', async () => {
    const upstream = await startHttpUpstream();
    upstreams.push(upstream);
    const query = 'q-token-4d5e6f7a8b9c';
    const h = await createModuleHarness(mcpProxy, {
      instance: 'web',
      config: {
        url: `${upstream.url}?access_token=${query}`,
        headers: { Authorization: `Bearer ${TOKEN}` },
        pinning: 'off',
      },
    });
    open.push(h);
    const result = await h.call('web_whoami', {});
    expect(result.text).toBe('authorization=<redacted-secret> url=/mcp?access_token=<redacted-secret>');
    expect(JSON.stringify([result.raw, h.audit, h.ops])).not.toContain(TOKEN);
    expect(JSON.stringify([result.raw, h.audit, h.ops])).not.toContain(query);
  });
});
