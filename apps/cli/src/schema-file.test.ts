import { readFileSync } from 'node:fs';
import { manifestJsonSchema } from '@scoped-mcp/core/runtime';
import { expect, it } from 'vitest';

// Editors validate manifests against this file (see the yaml-language-server comment in each manifest).
it('manifests/scoped-mcp.schema.json matches the schema the CLI prints (regenerate: scoped-mcp schema)', () => {
  const committed: unknown = JSON.parse(
    readFileSync(new URL('../../../manifests/scoped-mcp.schema.json', import.meta.url), 'utf8'),
  );
  expect(committed).toEqual(manifestJsonSchema());
});
