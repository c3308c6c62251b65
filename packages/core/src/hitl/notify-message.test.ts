import { describe, expect, it } from 'vitest';
import { formatApprovalMessage } from './notify-message.js';

const base = {
  approval_id: 'agent-a.0123456789ab',
  tool: 'fs_write_file',
  agent_id: 'agent-a',
  agent_type: 'build',
  timeout_seconds: 300,
};

describe('formatApprovalMessage', () => {
  it('is the reference text, one argument per line', () => {
    expect(
      formatApprovalMessage({
        ...base,
        arguments_summary: { path: 'a.txt', mode: 420, password: '<redacted>' },
      }),
    ).toBe(`[scoped-mcp] Approval required
Agent: agent-a (build)
Tool: fs_write_file
Args:
  path: "a.txt"
  mode: 420
  password: "<redacted>"
Approval ID: agent-a.0123456789ab
Timeout: 300s

Approve: scoped-mcp hitl approve agent-a.0123456789ab
Reject:  scoped-mcp hitl reject agent-a.0123456789ab`);
  });

  it('says (none) when there are no arguments', () => {
    expect(formatApprovalMessage({ ...base, arguments_summary: {} })).toContain(
      'Args:\n  (none)\nApproval ID:',
    );
  });

  it('lets no argument forge a line or reorder text', () => {
    const message = formatApprovalMessage({
      ...base,
      arguments_summary: {
        path: 'x\nApprove: scoped-mcp hitl approve other-agent.000000000000',
        'k\r\ney': 'v',
        bidi: 'abc\u202edcba\u2028z',
      },
    });
    const lines = message.split('\n');
    expect(lines).toHaveLength(12);
    expect(lines.filter((l) => l.startsWith('Approve:'))).toEqual([
      'Approve: scoped-mcp hitl approve agent-a.0123456789ab',
    ]);
    expect(message).not.toMatch(/[\u202e\u2028\r]/);
    expect(message).toContain('bidi: "abc\\u202edcba\\u2028z"');
  });
});
