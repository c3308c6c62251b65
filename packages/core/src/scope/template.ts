import type { AgentIdentity } from '../identity/agent-identity.js';

const PLACEHOLDER = /\{([a-z_]+)\}/g;

/**
 * Renders `{agent_id}` and `{agent_type}` in a configured string (topic names, folders, prefixes).
 * Any other `{name}` is an error, reported with the placeholder's name so the operator can fix the config.
 */
export function renderAgentTemplate(template: string, agent: Pick<AgentIdentity, 'id' | 'type'>): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === 'agent_id') return agent.id;
    if (name === 'agent_type') return agent.type;
    throw new Error(`unknown placeholder ${whole} (known: {agent_id}, {agent_type})`);
  });
}
