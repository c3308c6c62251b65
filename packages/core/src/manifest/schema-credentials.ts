import { z } from 'zod';
import { envName, httpUrl, nonEmptyString } from './schema-shared.js';

export const vaultSchema = z.strictObject({
  addr: httpUrl,
  auth: z.literal('approle').default('approle'),
  role_id_env: envName.default('VAULT_ROLE_ID'),
  secret_id_env: envName.default('VAULT_SECRET_ID'),
  path: nonEmptyString
    .refine((path) => !path.split('/').includes('..'), { error: "must not contain '..'" })
    .describe('KV path; {agent_type} is replaced by AGENT_TYPE.'),
  kv_version: z.literal([1, 2]).default(2),
});

export const credentialsSchema = z
  .strictObject({
    source: z.enum(['env', 'file', 'vault']).default('env'),
    path: nonEmptyString
      .nullish()
      .describe('Secrets file (source: file), relative to the manifest directory.'),
    vault: vaultSchema.nullish(),
    strict_permissions: z.boolean().default(true),
  })
  .superRefine((credentials, ctx) => {
    if (credentials.source === 'file' && credentials.path == null) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: "required when source is 'file'" });
    }
    if (credentials.source === 'vault' && credentials.vault == null) {
      ctx.addIssue({ code: 'custom', path: ['vault'], message: "required when source is 'vault'" });
    }
  });
