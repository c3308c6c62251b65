// The trivial tool of scenario 2: the same echo as the floor server, served through scoped-mcp's whole
// default chain (argument validation, middleware, result redaction, audit line). Loaded as a file module.
import { defineModule, toolFactory, z } from '@scoped-mcp/core';

const tool = toolFactory();

export default defineModule({
  name: 'echo',
  description: 'Echo, for benchmarking the per-call cost of the pipeline',
  config: z.strictObject({}),
  async setup() {
    return {};
  },
  tools: {
    echo: tool({
      mode: 'read',
      description: 'Echoes its message',
      input: z.strictObject({ message: z.string() }),
      async handler({ message }) {
        return message;
      },
    }),
    // Gives the guardrail manifest a tool for HITL to hold (shadowed), so that layer is built too.
    admin: tool({
      mode: 'write',
      description: 'Echoes its message (held for approval in the guardrails scenario)',
      input: z.strictObject({ message: z.string() }),
      async handler({ message }) {
        return message;
      },
    }),
  },
});
