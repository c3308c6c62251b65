import { z } from 'zod';
import { nonEmptyString } from './schema-shared.js';

// Fields agent platforms attach to manifests. Validated (so a typo still fails) and kept; never acted on.

export const interactionPermissionsSchema = z.strictObject({
  auto_approved: z.array(z.string()).default([]),
  needs_approval: z.array(z.string()).default([]),
});

export const workspaceAccessEntrySchema = z.strictObject({
  path: nonEmptyString,
  access: z.enum(['readonly', 'readwrite']),
  git_backed: z.boolean().default(false),
  branch_required: z.boolean().default(false),
});
