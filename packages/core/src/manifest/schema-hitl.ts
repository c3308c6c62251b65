import { z } from 'zod';
import { globList, httpUrl, nonEmptyString } from './schema-shared.js';

export const NTFY_TOPIC_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MATRIX_ROOM_PATTERN = /^[!#][A-Za-z0-9._=/+-]+:[A-Za-z0-9.-]+$/;

const REQUIRED_FIELD = { ntfy: 'topic', webhook: 'url', matrix: 'room' } as const;

export const notifySchema = z
  .strictObject({
    type: z.enum(['log', 'ntfy', 'webhook', 'matrix']).default('log'),
    url: httpUrl.nullish(),
    topic: z
      .string()
      .regex(NTFY_TOPIC_PATTERN, { error: 'must be 1-64 characters of A-Z, a-z, 0-9, _ and -' })
      .nullish(),
    room: z
      .string()
      .regex(MATRIX_ROOM_PATTERN, { error: "must be a Matrix room id or alias such as '!abc:example.org'" })
      .nullish(),
  })
  .superRefine((notify, ctx) => {
    if (notify.type === 'log') return;
    const field = REQUIRED_FIELD[notify.type];
    if (notify[field] == null) {
      ctx.addIssue({ code: 'custom', path: [field], message: `required when type is '${notify.type}'` });
    }
  });

export const signingSchema = z
  .strictObject({
    mode: z.enum(['off', 'observe', 'enforce']).default('off'),
    public_key_path: nonEmptyString.nullish().describe('Ed25519 public key (PEM) of the approver.'),
    approve_command: nonEmptyString.nullish(),
  })
  .superRefine((signing, ctx) => {
    if (signing.mode !== 'off' && signing.public_key_path == null) {
      ctx.addIssue({
        code: 'custom',
        path: ['public_key_path'],
        message: `required when mode is '${signing.mode}'`,
      });
    }
  });

export const hitlSchema = z.strictObject({
  approval_required: globList.describe('Tool-name globs that need operator approval.'),
  shadow: globList.describe('Tool-name globs answered with a synthetic success, never executed.'),
  timeout_seconds: z
    .number()
    .int({ error: 'must be a whole number of seconds' })
    .positive({ error: 'must be > 0' })
    .default(300),
  notify: notifySchema.default({ type: 'log' }),
  mode: z.enum(['enforce', 'interactive']).default('enforce'),
  signing: signingSchema.default({ mode: 'off' }),
});
