import { describe, expect, it } from 'vitest';
import { renderAgentTemplate } from './template.js';

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
