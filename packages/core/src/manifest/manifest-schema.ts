import { z } from 'zod';
import { AGENT_TYPE_PATTERN } from '../identity/agent-identity.js';
import type { Manifest } from './manifest-types.js';
import { normaliseManifest } from './normalise-manifest.js';
import { auditSchema } from './schema-audit.js';
import { credentialsSchema } from './schema-credentials.js';
import { argumentFiltersSchema, rateLimitsSchema, responseFiltersSchema } from './schema-guardrails.js';
import { hitlSchema } from './schema-hitl.js';
import { modulesSchema } from './schema-modules.js';
import { interactionPermissionsSchema, workspaceAccessEntrySchema } from './schema-platform-metadata.js';
import { stateBackendSchema } from './schema-state-backend.js';

/**
 * The manifest as written: every object strict (an unknown key anywhere is an error — a misspelt guardrail
 * must not be silently ignored), defaults filled. Its JSON Schema is what editors validate against.
 */
export const manifestInputSchema = z
  .strictObject({
    agent_type: z
      .string()
      .regex(AGENT_TYPE_PATTERN, {
        error: 'must be 1-63 characters of a-z, 0-9, _ and -, starting with a letter or digit',
      })
      .describe('Agent role this manifest is for, e.g. research.'),
    description: z.string().nullish(),
    modules: modulesSchema,
    credentials: credentialsSchema.nullable().default({ source: 'env', strict_permissions: true }),
    state_backend: stateBackendSchema.nullable().default({ type: 'in_process' }),
    rate_limits: rateLimitsSchema.nullish(),
    argument_filters: argumentFiltersSchema.nullish(),
    response_filters: responseFiltersSchema.nullish(),
    hitl: hitlSchema.nullish(),
    audit: auditSchema.nullish(),
    max_auto_risk: z.string().nullish(),
    interaction_permissions: interactionPermissionsSchema.nullish(),
    workspace_access: z.array(workspaceAccessEntrySchema).nullish(),
  })
  .superRefine((manifest, ctx) => {
    const approval = manifest.hitl?.approval_required ?? [];
    if (approval.length > 0 && (manifest.state_backend?.type ?? 'in_process') === 'in_process') {
      ctx.addIssue({
        code: 'custom',
        path: ['hitl', 'approval_required'],
        message:
          "needs a shared state backend (state_backend.type: redis), because 'scoped-mcp hitl approve' runs in another process",
      });
    }
    if (manifest.audit?.response_filters != null && manifest.response_filters != null) {
      ctx.addIssue({
        code: 'custom',
        path: ['audit', 'response_filters'],
        message: 'cannot be used together with the top-level response_filters; move these rules there',
      });
    }
  });

export type ManifestInput = z.output<typeof manifestInputSchema>;

/** Validates a parsed manifest and returns it normalised (see `Manifest`). */
export const manifestSchema: z.ZodType<
  Manifest,
  z.input<typeof manifestInputSchema>
> = manifestInputSchema.transform(normaliseManifest);
