import { randomBytes } from 'node:crypto';
import { createModuleHarness } from '@scoped-mcp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVERYTHING, FIXTURE_UPSTREAM, fakeSession } from './__fixtures__/test-helpers.js';
import { SAFE_ENV_NAMES } from './child-env.js';
import mcpProxy from './index.js';

// The proxy's own environment holds the agent's and the operator's secrets. A stdio upstream gets a minimal
// environment plus what the manifest names — proven with server-everything's get-env, which returns its
// whole environment.

const CANARY = `canary-${randomBytes(12).toString('hex')}`;
const TOKEN = `token-${randomBytes(12).toString('hex')}`;

beforeAll(() => {
  process.env.SCOPED_MCP_TEST_CANARY = CANARY;
  process.env.SCOPED_MCP_TEST_INHERITED = 'inherited-on-purpose';
});
afterAll(() => {
  delete process.env.SCOPED_MCP_TEST_CANARY;
  delete process.env.SCOPED_MCP_TEST_INHERITED;
});

describe('what a stdio upstream sees of the environment', () => {
  it('only the safe names, inherit_env, credential_env and env — never the proxy environment', async () => {
    const session = fakeSession({});
    const h = await createModuleHarness(mcpProxy, {
      instance: 'everything',
      config: {
        command: process.execPath,
        args: [EVERYTHING, 'stdio'],
        env: { PLAIN_SETTING: 'visible' },
        inherit_env: ['SCOPED_MCP_TEST_INHERITED'],
        credential_env: ['UPSTREAM_TOKEN'],
        pinning: 'off',
      },
      credentials: { UPSTREAM_TOKEN: TOKEN, UNRELATED: 'not-declared' },
      session,
    });
    try {
      const result = await h.call('everything_get_env', {});
      expect(result.isError).toBe(false);
      const seen = result.json<Record<string, string>>();
      const expected = [
        ...SAFE_ENV_NAMES.filter((name) => process.env[name] !== undefined),
        'PLAIN_SETTING',
        'SCOPED_MCP_TEST_INHERITED',
        'UPSTREAM_TOKEN',
      ];
      expect(Object.keys(seen).sort()).toEqual(expected.sort());
      expect(seen.PLAIN_SETTING).toBe('visible');
      expect(seen.SCOPED_MCP_TEST_INHERITED).toBe('inherited-on-purpose');
      // The upstream got the credential; the agent sees it redacted (core redacts resolved credentials).
      expect(seen.UPSTREAM_TOKEN).toBe('<redacted-secret>');
      expect(result.text).not.toContain(TOKEN);

      const everything = JSON.stringify([result.raw, h.audit, h.ops, session.logs, session.requests]);
      expect(everything).not.toContain(CANARY);
      expect(everything).not.toContain(TOKEN);
    } finally {
      await h.close();
    }
  });

  it('the canary is in no result, error or log of any upstream tool either', async () => {
    const session = fakeSession({});
    const h = await createModuleHarness(mcpProxy, {
      instance: 'fx',
      config: { command: process.execPath, args: [FIXTURE_UPSTREAM], pinning: 'off' },
      session,
    });
    try {
      const outputs = [];
      for (const tool of ['fx_env', 'fx_log_secret', 'fx_error_secret', 'fx_meta', 'fx_is_error']) {
        outputs.push((await h.call(tool, {})).raw);
      }
      const env = JSON.parse(String((outputs[0]!.content[0] as { text: string }).text)) as Record<
        string,
        string
      >;
      expect(env.SCOPED_MCP_TEST_CANARY).toBeUndefined();
      const everything = JSON.stringify([outputs, h.audit, h.ops, session.logs]);
      expect(everything).not.toContain(CANARY);
    } finally {
      await h.close();
    }
  });
});
