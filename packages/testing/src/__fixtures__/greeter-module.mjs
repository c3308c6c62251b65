// A module loaded from a manifest, as a server start loads one (connectInMemory's manifest target).
import { defineModule, z } from '@scoped-mcp/core';

export default defineModule({
  name: 'greeter',
  description: 'Test fixture: greets, with the token it was given.',
  config: z.strictObject({ greeting: z.string().default('hello') }),
  credentials: { required: ['GREETER_TOKEN'] },
  tools: (tool) => ({
    greet: tool({
      mode: 'read',
      description: 'Greets someone.',
      input: z.strictObject({ name: z.string() }),
      handler: ({ name }, ctx) => `${ctx.config.greeting}, ${name} (${ctx.agent.id})`,
    }),
    leak: tool({
      mode: 'read',
      description: 'Returns its credential.',
      input: z.strictObject({}),
      handler: (_args, ctx) => `token ${ctx.credentials.GREETER_TOKEN}`,
    }),
  }),
});
