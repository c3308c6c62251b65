import { describe, expect, it } from 'vitest';
import { APPROVAL_ID_PATTERN, approvalAgent, newApprovalId } from './approvals.js';

describe('approval ids', () => {
  it('are the agent id, a dot and 12 random hex digits', () => {
    const a = newApprovalId('research-01');
    const b = newApprovalId('research-01');
    expect(a).toMatch(/^research-01\.[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(approvalAgent(a)).toBe('research-01');
  });

  it('refuse to build an id for an invalid agent id', () => {
    expect(() => newApprovalId('Bad.Agent')).toThrow();
  });

  it.each([
    '',
    'agent',
    'agent.',
    'agent.0123456789a',
    'agent.0123456789abc',
    'agent.0123456789AB',
    'a.b.0123456789ab',
    'Agent.0123456789ab',
    '-agent.0123456789ab',
    'agent:x.0123456789ab',
    '*.0123456789ab',
    'agent.0123456789ab\n',
    'agent.0123456789ab ',
    ' agent.0123456789ab',
    `${'a'.repeat(64)}.0123456789ab`,
  ])('reject the malformed id %j', (id) => {
    expect(approvalAgent(id)).toBeUndefined();
    expect(APPROVAL_ID_PATTERN.test(id)).toBe(false);
  });
});
