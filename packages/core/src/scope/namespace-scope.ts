import { ModuleConfigError, ScopeViolation } from '../errors/errors.js';
import type { AgentIdentity } from '../identity/agent-identity.js';

/**
 * Keys in a shared keyspace (cache keys, bucket names, object keys) prefixed by the agent's namespace.
 * `apply` maps an agent-visible key into the namespace; `strip` maps back and refuses keys the agent
 * does not own, so listings never leak another agent's names.
 */
export interface NamespaceScope {
  readonly prefix: string;
  apply(key: string): string;
  owns(scopedKey: string): boolean;
  strip(scopedKey: string): string;
}

export function namespaceScope(namespace: string, separator = ':'): NamespaceScope {
  if (!namespace) throw new Error('namespaceScope needs a non-empty namespace');
  const prefix = `${namespace}${separator}`;
  return Object.freeze({
    prefix,
    apply(key: string): string {
      if (key.length === 0) throw new ScopeViolation('Empty key');
      if (/[\0\r\n]/.test(key)) throw new ScopeViolation('Key contains a control character');
      return prefix + key;
    },
    owns(scopedKey: string): boolean {
      return scopedKey.startsWith(prefix) && scopedKey.length > prefix.length;
    },
    strip(scopedKey: string): string {
      if (!scopedKey.startsWith(prefix) || scopedKey.length === prefix.length) {
        throw new ScopeViolation('Key is outside the agent namespace');
      }
      return scopedKey.slice(prefix.length);
    },
  });
}

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
    throw new ModuleConfigError(`unknown placeholder ${whole} (known: {agent_id}, {agent_type})`);
  });
}
