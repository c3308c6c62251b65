import { ModuleConfigError, z } from '@scoped-mcp/core';
import { sendTimeoutSetting } from '@scoped-mcp/service-http';

/** ntfy's priorities, lowest first (the header takes the names; ntfy also reads 1-5). */
export const PRIORITIES = ['min', 'low', 'default', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** ntfy's own rule for topic names. */
export const TOPIC_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

const PLACEHOLDER = /\{([^{}]*)\}/g;

export const ntfyConfig = z.strictObject({
  topic: z
    .string()
    .min(1)
    .default('agents-{agent_id}')
    .refine(
      (topic) => [...topic.matchAll(PLACEHOLDER)].every((m) => m[1] === 'agent_id'),
      'the only placeholder a topic may hold is {agent_id}',
    )
    .refine(
      (topic) => !/[{}]/.test(topic.replaceAll('{agent_id}', '')),
      'unbalanced { or } (the only placeholder a topic may hold is {agent_id})',
    )
    .describe("The agent's topic; {agent_id} is replaced by the agent's id. Default agents-{agent_id}."),
  max_priority: z
    .enum(PRIORITIES)
    .default('urgent')
    .describe('Highest priority an agent may send; higher requests are lowered to it.'),
  timeout_ms: sendTimeoutSetting(),
});

export type NtfyConfig = z.output<typeof ntfyConfig>;

/** The topic for this agent; its characters are checked after rendering (an agent id is not a topic). */
export function renderTopic(template: string, agentId: string): string {
  const topic = template.replaceAll('{agent_id}', agentId);
  if (!TOPIC_PATTERN.test(topic)) {
    throw new ModuleConfigError(
      `config.topic renders to a name ntfy refuses for agent '${agentId}': use 1-64 characters of A-Z, a-z, 0-9, _ and -`,
    );
  }
  return topic;
}

/** The requested priority lowered to the ceiling; a name ntfy does not know counts as `default`. */
export function clampPriority(requested: string, ceiling: Priority): Priority {
  const asked = PRIORITIES.indexOf(requested as Priority);
  const index = Math.min(asked === -1 ? PRIORITIES.indexOf('default') : asked, PRIORITIES.indexOf(ceiling));
  return PRIORITIES[index] as Priority;
}
