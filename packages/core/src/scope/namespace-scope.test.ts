import { describe, expect, it } from 'vitest';
import { isScopeViolation } from '../errors/errors.js';
import { namespaceScope, renderAgentTemplate } from './namespace-scope.js';

function violation(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(isScopeViolation(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('not refused');
}

describe('namespaceScope', () => {
  const scope = namespaceScope('agent-a');

  it('prefixes keys with the namespace and separator', () => {
    expect(scope.prefix).toBe('agent-a:');
    expect(scope.apply('cache')).toBe('agent-a:cache');
    expect(scope.apply('a:b:c')).toBe('agent-a:a:b:c');
    expect(scope.apply('../x')).toBe('agent-a:../x');
  });

  it('uses a custom separator', () => {
    const slash = namespaceScope('agent-a', '/');
    expect(slash.apply('file.txt')).toBe('agent-a/file.txt');
    expect(slash.owns('agent-a/file.txt')).toBe(true);
    expect(slash.owns('agent-a:file.txt')).toBe(false);
  });

  it('strips its own prefix back off (round trip)', () => {
    for (const key of ['x', 'a:b', ' spaced ', 'agent-b:x']) expect(scope.strip(scope.apply(key))).toBe(key);
  });

  it.each(['', 'a\0b', 'a\nb', 'a\rb'])('refuses the key %j', (key) => {
    violation(() => scope.apply(key));
  });

  it('owns only keys inside its namespace, with something after the prefix', () => {
    expect(scope.owns('agent-a:x')).toBe(true);
    expect(scope.owns('agent-a:')).toBe(false);
    expect(scope.owns('agent-a')).toBe(false);
    expect(scope.owns('agent-b:x')).toBe(false);
    expect(scope.owns('agent-ab:x')).toBe(false);
    expect(scope.owns('agent-:x')).toBe(false);
    expect(scope.owns('x:agent-a:y')).toBe(false);
    expect(scope.owns('AGENT-A:x')).toBe(false);
  });

  it.each(['agent-b:x', 'agent-ab:x', 'agent-a', 'agent-a:', 'x', ''])(
    'refuses to strip %j and does not echo it',
    (key) => {
      const message = violation(() => scope.strip(key));
      expect(message).toBe('Key is outside the agent namespace');
    },
  );

  it('gives two agents disjoint keyspaces', () => {
    const a = namespaceScope('agent-a');
    const b = namespaceScope('agent-b');
    const keys = ['x', 'a:b', 'agent-b:x'];
    for (const key of keys) {
      expect(b.owns(a.apply(key))).toBe(false);
      expect(a.owns(b.apply(key))).toBe(false);
    }
  });

  it('refuses an empty namespace', () => {
    expect(() => namespaceScope('')).toThrow('namespaceScope needs a non-empty namespace');
  });

  it('is frozen', () => {
    expect(Object.isFrozen(scope)).toBe(true);
  });
});

const agent = { id: 'research-01', type: 'research' };

describe('renderAgentTemplate', () => {
  it.each([
    ['agents/{agent_id}', 'agents/research-01'],
    ['{agent_type}-{agent_id}', 'research-research-01'],
    ['{agent_id}{agent_id}', 'research-01research-01'],
    ['no placeholder', 'no placeholder'],
    ['', ''],
  ])('renders %j', (template, expected) => {
    expect(renderAgentTemplate(template, agent)).toBe(expected);
  });

  it('does not re-expand placeholders that come from the values', () => {
    expect(renderAgentTemplate('{agent_id}', { id: '{agent_type}', type: 'x' })).toBe('{agent_type}');
  });

  it.each(['{agent}', '{session_id}', 'x-{home}', '{agent_id}/{unknown_thing}'])(
    'refuses an unknown placeholder in %j, naming it',
    (template) => {
      const name = /\{(?!agent_id\})(?!agent_type\})[a-z_]+\}/.exec(template)?.[0] ?? '';
      expect(() => renderAgentTemplate(template, agent)).toThrow(`unknown placeholder ${name}`);
    },
  );

  // A mistyped placeholder left in place would give every agent the same literal name — one shared topic,
  // folder or prefix — so it must fail loudly like any other unknown placeholder.
  it.each(['topic-{agentId}', 'dir/{AGENT_ID}', '{agent-id}', '{Agent_Type}', '{}', '{ agent_id }'])(
    'refuses the mistyped placeholder in %j',
    (template) => {
      expect(() => renderAgentTemplate(template, agent)).toThrow(/unknown placeholder/);
    },
  );
});
