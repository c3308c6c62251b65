import { describe, expect, it } from 'vitest';
import { parseManifest } from './parse-manifest.js';

const warningsOf = (extra: Record<string, unknown>) =>
  parseManifest(JSON.stringify({ agent_type: 'x', modules: { fs: {} }, ...extra }), 'm.yml', {}).warnings;

describe('manifest warnings', () => {
  it('flags dotted globs, which never match a tool name', () => {
    expect(
      warningsOf({
        state_backend: { type: 'redis', url: 'redis://h/0' },
        rate_limits: { per_tool: { 'fs_*': '1/second', 'mcp_proxy.*': '2/second' } },
        hitl: { approval_required: ['fs.write_file', 'fs_delete_*'], shadow: ['a.b'] },
      }),
    ).toEqual([
      "rate_limits.per_tool['mcp_proxy.*']: dotted pattern will never match a tool name (tool names use '_')",
      "hitl.approval_required[0]: dotted pattern will never match a tool name (tool names use '_')",
      "hitl.shadow[0]: dotted pattern will never match a tool name (tool names use '_')",
    ]);
  });

  it('flags settings that are ignored', () => {
    expect(warningsOf({ credentials: { source: 'env', path: 's.yml' } })).toEqual([
      "credentials.path: ignored, because credentials.source is 'env'",
    ]);
    expect(warningsOf({ state_backend: { type: 'in_process', url: 'redis://h/0' } })).toEqual([
      "state_backend.url: ignored, because state_backend.type is 'in_process'",
    ]);
    expect(warningsOf({ hitl: { timeout_seconds: 10 } })).toEqual([
      'hitl: neither approval_required nor shadow lists a tool, so the block has no effect',
    ]);
  });

  it('stays quiet for a clean manifest', () => {
    expect(
      warningsOf({
        rate_limits: { global: '5/second', per_tool: { 'fs_*': '1/second' } },
        hitl: { shadow: ['fs_*'] },
      }),
    ).toEqual([]);
  });
});
