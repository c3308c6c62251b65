import { describe, expect, it } from 'vitest';
import { agentKeyPrefix, agentState, sanitizeKeyPart } from './agent-state.js';
import { inProcessState } from './in-process.js';

describe('agentState', () => {
  it('builds the reference prefix scoped-mcp:{agent}:', () => {
    expect(agentKeyPrefix('research-01')).toBe('scoped-mcp:research-01:');
    expect(agentKeyPrefix('a', 'team-a')).toBe('team-a:a:');
    expect(() => agentKeyPrefix('')).toThrow(/non-empty/);
  });

  it('sanitises like the reference: ":" → "|", CR/LF/NUL → "_"', () => {
    expect(sanitizeKeyPart('a:b\r\n\0c')).toBe('a|b___c');
  });

  it('passes kind and shared through and closes the underlying backend', async () => {
    const inner = inProcessState();
    const scoped = agentState(inner, 'a');
    expect(scoped).toMatchObject({ kind: 'in_process', shared: false });
    await scoped.close();
    await expect(inner.get('x')).rejects.toThrow(/closed/);
  });
});
