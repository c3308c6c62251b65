import { describe, expect, it } from 'vitest';
import { mcpProxyConfig } from './config.js';

function issues(config: unknown): string[] {
  const parsed = mcpProxyConfig.safeParse(config);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('mcp_proxy config', () => {
  it('fills the documented defaults', () => {
    expect(mcpProxyConfig.parse({ command: 'node' })).toEqual({
      command: 'node',
      args: [],
      env: {},
      inherit_env: [],
      credential_env: [],
      headers: {},
      tool_allowlist: [],
      tool_denylist: [],
      discovery_timeout_seconds: 10,
      call_timeout_seconds: 60,
      argument_check_ms: 100,
      max_response_bytes: 4 * 1024 * 1024,
      roots: 'client',
      pinning: 'warn',
      restart: { max_backoff_seconds: 30 },
    });
  });

  it('needs exactly one of url and command, naming both keys', () => {
    expect(issues({})).toEqual([": mcp_proxy requires either 'url' (HTTP) or 'command' (stdio)"]);
    expect(issues({ url: 'http://127.0.0.1/mcp', command: 'node' })).toEqual([
      ": mcp_proxy: specify 'url' OR 'command', not both",
    ]);
  });

  it('rejects unknown keys, headers on stdio and stdio keys on HTTP', () => {
    expect(issues({ command: 'node', surely_not_a_key: 1 }).join()).toContain('surely_not_a_key');
    expect(issues({ command: 'node', headers: { Authorization: 'Bearer x' } })).toEqual([
      "headers: 'headers' apply to an HTTP upstream ('url') only; give a stdio upstream its credentials with 'env' or 'credential_env'",
    ]);
    expect(issues({ url: 'https://example.com/mcp', env: { A: '1' }, args: ['x'] })).toEqual([
      "args: 'args' applies to a stdio upstream ('command') only; this one is HTTP ('url')",
      "env: 'env' applies to a stdio upstream ('command') only; this one is HTTP ('url')",
    ]);
  });

  it('checks the URL without echoing it (it may hold credentials)', () => {
    const bad = issues({ url: 'ftp://user:hunter2@example.com/' });
    expect(bad).toEqual(["url: 'url' must be http:// or https://"]);
    expect(issues({ url: 'not a url hunter2' })).toEqual(["url: 'url' is not a valid URL"]);
  });

  it('refuses a variable set both in env and credential_env, and bad variable names', () => {
    expect(issues({ command: 'node', env: { TOKEN: 'x' }, credential_env: ['TOKEN'] })).toEqual([
      "env.TOKEN: 'TOKEN' is set both in 'env' and in 'credential_env'; keep one",
    ]);
    expect(issues({ command: 'node', inherit_env: ['NOT-A-NAME'] }).join()).toContain(
      'environment variable name',
    );
  });

  it('ties roots_path to roots: scoped and checks its placeholders', () => {
    expect(issues({ command: 'node', roots: 'scoped' })).toEqual([
      "roots_path: roots: scoped needs 'roots_path'",
    ]);
    expect(issues({ command: 'node', roots_path: './x' })).toEqual([
      "roots_path: 'roots_path' is used only with roots: scoped",
    ]);
    expect(issues({ command: 'node', roots: 'scoped', roots_path: './agents/{agentId}' }).join()).toContain(
      'unknown placeholder {agentId}',
    );
    expect(issues({ command: 'node', roots: 'scoped', roots_path: './agents/{agent_id}' })).toEqual([]);
  });

  it('bounds the numbers', () => {
    expect(issues({ command: 'node', call_timeout_seconds: 0 }).length).toBe(1);
    expect(issues({ command: 'node', max_response_bytes: 1.5 }).length).toBe(1);
    expect(issues({ command: 'node', argument_check_ms: 5 }).length).toBe(1);
    expect(issues({ command: 'node', argument_check_ms: 5000 }).length).toBe(1);
    expect(issues({ command: 'node', pinning: 'strict' }).length).toBe(1);
    expect(issues({ command: 'node', restart: { max_backoff_seconds: 5, other: 1 } }).length).toBe(1);
  });
});
