// The identity and the small module core's runtime tests share; the harness itself is @scoped-mcp/testing's.
import { z } from 'zod';
import type { AgentIdentity } from '../identity/agent-identity.js';
import { defineModule, defineTool } from '../module/define.js';

export const AGENT: AgentIdentity = Object.freeze({
  id: 'agent-a',
  type: 'research',
  sessionId: '6f1c1b1e-7d0a-4c51-9a55-3a3b1c2d4e5f',
});

/** What core's runtime tests pass to `createHarness`: this identity and a manifest directory. */
export const RUNTIME = Object.freeze({ agent: AGENT, manifestDir: '/srv/manifests' });

/** A module with one read and one write tool, whose handlers echo what they were given. */
export const echoModule = defineModule({
  name: 'echo',
  description: 'echoes',
  config: z.strictObject({ greeting: z.string().default('hi') }),
  tools: {
    say: defineTool({
      mode: 'read',
      description: 'Say something.',
      input: z.strictObject({ text: z.string().max(100), times: z.number().int().min(1).default(1) }),
      handler: (args) => args.text.repeat(args.times),
    }),
    store: defineTool({
      mode: 'write',
      description: 'Store something.',
      input: z.strictObject({ key: z.string(), value: z.unknown() }),
      handler: (args) => ({ stored: args.key }),
    }),
  },
});
