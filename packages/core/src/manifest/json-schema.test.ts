import { describe, expect, it } from 'vitest';
import { MANIFEST_SCHEMA_ID, manifestJsonSchema } from './json-schema.js';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema> };

describe('manifestJsonSchema', () => {
  const schema = manifestJsonSchema() as Schema;

  it('is a draft 2020-12 schema with an id and a title', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toBe(MANIFEST_SCHEMA_ID);
    expect(schema.title).toBe('scoped-mcp manifest');
    expect(schema.type).toBe('object');
  });

  it('describes the manifest as written: strict objects, required fields, module keys', () => {
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['agent_type', 'modules']);
    const props = schema.properties ?? {};
    expect(Object.keys(props)).toEqual(
      expect.arrayContaining([
        'agent_type',
        'modules',
        'credentials',
        'state_backend',
        'rate_limits',
        'hitl',
        'audit',
        'workspace_access',
      ]),
    );
    expect(props.agent_type).toMatchObject({ type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' });
    expect(props.modules).toMatchObject({
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' },
    });
    const text = JSON.stringify(schema);
    expect(text).toContain('"dragonfly"');
    expect(text).toContain('"additionalProperties":false');
  });

  it('is plain JSON and a fresh object each time', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    expect(manifestJsonSchema()).not.toBe(schema);
  });
});
