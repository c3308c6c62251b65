import { z } from 'zod';
import { nonEmptyString } from './schema-shared.js';

export const stateBackendSchema = z
  .strictObject({
    // `dragonfly` is the reference's name; any Redis-protocol server works and it means the same as `redis`.
    type: z.enum(['in_process', 'redis', 'dragonfly']).default('in_process'),
    url: nonEmptyString
      .nullish()
      .describe('redis://[:password@]host:port/db; quote it when it holds a substituted variable.'),
    key_prefix: z
      .string()
      .regex(/^[A-Za-z0-9_:.-]{1,64}$/, { error: 'must be 1-64 characters of A-Z, a-z, 0-9, _, :, . and -' })
      .nullish(),
  })
  .superRefine((backend, ctx) => {
    if (backend.type !== 'in_process' && backend.url == null) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: `required when type is '${backend.type}'` });
    }
  });
