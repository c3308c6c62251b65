import { z } from 'zod';
import { responseFiltersSchema } from './schema-guardrails.js';
import { nonEmptyString } from './schema-shared.js';

export const auditSchema = z
  .strictObject({
    agent_bus_emit: z.boolean().default(false),
    agent_bus_comms_dir: nonEmptyString.nullish(),
    log_args: z.boolean().default(true).describe('false: audit lines carry no tool arguments.'),
    otel_service_name: nonEmptyString.default('scoped-mcp'),
    // Where the reference documented them; moved to the top-level `response_filters` on load.
    response_filters: responseFiltersSchema.nullish(),
  })
  .superRefine((audit, ctx) => {
    if (audit.agent_bus_emit && audit.agent_bus_comms_dir == null) {
      ctx.addIssue({
        code: 'custom',
        path: ['agent_bus_comms_dir'],
        message: 'required when agent_bus_emit is true',
      });
    }
  });
