import type { AgentIdentity } from '../identity/agent-identity.js';

const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Renders `{agent_id}` and `{agent_type}` in a configured string (topic names, folders, prefixes).
 * Any other `{…}` (including near misses like `{agentId}`) is an error: left as text it would give every agent
 * the same name, i.e. no scoping at all.
 */
export function renderAgentTemplate(template: string, agent: Pick<AgentIdentity, 'id' | 'type'>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === 'agent_id') return agent.id;
    if (name === 'agent_type') return agent.type;
    throw new Error(`unknown placeholder ${whole} (known: {agent_id}, {agent_type})`);
  });
}
