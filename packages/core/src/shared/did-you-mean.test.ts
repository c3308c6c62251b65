import { describe, expect, it } from 'vitest';
import { didYouMean } from './did-you-mean.js';

describe('didYouMean', () => {
  const keys = ['agent_type', 'modules', 'credentials', 'state_backend', 'rate_limits', 'hitl', 'audit'];
  it('finds near misses and case or separator variants', () => {
    expect(didYouMean('agentType', keys)).toBe('agent_type');
    expect(didYouMean('AGENT-TYPE', keys)).toBe('agent_type');
    expect(didYouMean('modlues', keys)).toBe('modules');
    expect(didYouMean('credential', keys)).toBe('credentials');
    expect(didYouMean('stateBackend', keys)).toBe('state_backend');
  });
  it('stays quiet when nothing is close', () => {
    expect(didYouMean('foo', keys)).toBeUndefined();
    expect(didYouMean('x', keys)).toBeUndefined();
    expect(didYouMean('anything', [])).toBeUndefined();
  });
});
