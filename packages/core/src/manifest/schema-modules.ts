import { z } from 'zod';
import { nonEmptyString } from './schema-shared.js';

/** A manifest key prefixes every tool name of its instance, so it must be a valid MCP tool-name prefix. */
export const MODULE_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const moduleKey = z.string().regex(MODULE_KEY_PATTERN, {
  error:
    'must be 1-64 characters of A-Z, a-z, 0-9, _ and -, starting with a letter or digit (it prefixes tool names)',
});

export const moduleEntrySchema = z
  .strictObject({
    // `""` is accepted and means "no mode" (reference behaviour).
    mode: z
      .enum(['read', 'write', ''])
      .nullable()
      .default(null)
      .describe('read: read tools only; write or unset: all tools.'),
    type: nonEmptyString
      .nullable()
      .default(null)
      .describe('Module to load (default: the key), e.g. sqlite, @acme/redis, ./my-module.mjs.'),
    config: z
      .record(z.string(), z.unknown())
      .nullable()
      .default({})
      .describe("Module settings, validated by the module's own schema."),
    optional: z
      .boolean()
      .default(false)
      .describe('A failure of this module does not make the agent unhealthy.'),
    dependency_wait_timeout_seconds: z.number().default(30),
    dependency_wait_interval_seconds: z.number().positive({ error: 'must be > 0' }).default(1),
  })
  // `ntfy:` with nothing under it is an entry with all defaults.
  .nullable();

export const modulesSchema = z
  .record(moduleKey, moduleEntrySchema)
  .refine((modules) => Object.keys(modules).length > 0, { error: 'must declare at least one module' })
  .describe('Module instances by key; the key prefixes the tool names (<key>_<tool>).');
