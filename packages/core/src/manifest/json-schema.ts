import { z } from 'zod';
import { manifestInputSchema } from './schema.js';

/** Where the published schema lives; use it in `# yaml-language-server: $schema=<url or path>`. */
export const MANIFEST_SCHEMA_ID = 'https://unpkg.com/@scoped-mcp/core/dist/manifest.schema.json';

/**
 * JSON Schema (draft 2020-12) of the manifest as written, for editors. Cross-field rules (e.g. `path`
 * required when `source: file`) and pattern compilation are checked by `scoped-mcp validate`, not here.
 */
export function manifestJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(manifestInputSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  return {
    $schema,
    $id: MANIFEST_SCHEMA_ID,
    title: 'scoped-mcp manifest',
    description: 'Which tools an agent type gets, how each is scoped, and the guardrails around them.',
    ...rest,
  };
}
