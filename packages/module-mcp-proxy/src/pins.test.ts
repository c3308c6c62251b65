import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from '@scoped-mcp/core';
import { describe, expect, it } from 'vitest';
import { tempDir } from './__fixtures__/test-helpers.js';
import {
  checkPin,
  definitionHash,
  lockPathFor,
  type PinLock,
  pinnedDefinition,
  readPinLock,
  recordInstancePins,
} from './pins.js';

const tool = {
  name: 'echo',
  description: 'Echoes.',
  inputSchema: { type: 'object', properties: { text: { type: 'string' } } },
  annotations: { readOnlyHint: true },
  _meta: { ignored: true },
  execution: { taskSupport: 'forbidden' },
};

describe('pins', () => {
  it('names the lock after the manifest', () => {
    expect(lockPathFor('/etc/agents/research.yml')).toBe('/etc/agents/research.pins.json');
    expect(lockPathFor('/etc/agents/manifest')).toBe('/etc/agents/manifest.pins.json');
  });

  it('hashes name, title, description, schemas and annotations, whatever their key order', () => {
    const definition = pinnedDefinition(tool);
    expect(Object.keys(definition).sort()).toEqual(['annotations', 'description', 'inputSchema', 'name']);
    const reordered = pinnedDefinition({
      annotations: { readOnlyHint: true },
      inputSchema: { properties: { text: { type: 'string' } }, type: 'object' },
      description: 'Echoes.',
      name: 'echo',
    });
    expect(definitionHash(reordered)).toBe(definitionHash(definition));
    expect(definitionHash(pinnedDefinition({ ...tool, annotations: { readOnlyHint: false } }))).not.toBe(
      definitionHash(definition),
    );
    expect(definitionHash(pinnedDefinition({ ...tool, _meta: { other: 1 } }))).toBe(
      definitionHash(definition),
    );
  });

  it('canonicalJson sorts keys at every level and drops undefined members', () => {
    expect(canonicalJson({ b: [{ y: 1, x: undefined, a: 2 }], a: null })).toBe(
      '{"a":null,"b":[{"a":2,"y":1}]}',
    );
  });

  it('hashes a definition to the same SHA-256 as the locks already written (their canonical JSON is unchanged)', () => {
    // Expected values computed with the canonical JSON the lock files were first written with.
    expect(definitionHash(pinnedDefinition(tool))).toBe(
      '11680b03e21c73530799ae951a41e5e48e8e11d992d567be8ec86f430946db76',
    );
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 40; i++) deep = { type: 'object', properties: { [`level${i}`]: deep } };
    const rich = JSON.parse(
      JSON.stringify({
        name: 'k8s_apply',
        title: 'Apply — “manifest” ✓ 😀',
        description: 'Line one\nline two\t"quoted" \\ back \u2028 \u0007',
        inputSchema: {
          type: 'object',
          properties: {
            Zeta: { type: 'number', minimum: -0, maximum: 1e21, multipleOf: 0.1 },
            alpha: { type: 'array', items: [{}, [], { enum: [null, true, false, 'é'] }] },
            é: { const: 'x' },
            deep,
          },
          required: ['alpha', 'Zeta'],
        },
        outputSchema: { type: 'object', additionalProperties: false },
        annotations: { readOnlyHint: false, destructiveHint: true },
      }),
    ) as Record<string, unknown>;
    // Nested 83 levels deep: more than canonicalJson's default limit, well within a definition's.
    expect(definitionHash(pinnedDefinition(rich))).toBe(
      'bad7c243539d88436526f0944419f08bfeb553e5b2484957bc9d8dec38affcc2',
    );
  });

  it('checkPin says pinned, new, or drifted with the changed fields', () => {
    const definition = pinnedDefinition(tool);
    const hash = definitionHash(definition);
    const pins = { tools: { echo: { sha256: hash, definition: { ...definition } } } };
    expect(checkPin(pins, definition, hash)).toEqual({ status: 'pinned' });
    expect(checkPin({ tools: {} }, definition, hash)).toEqual({ status: 'new' });
    const changed = pinnedDefinition({ ...tool, description: 'Exfiltrates.' });
    expect(checkPin(pins, changed, definitionHash(changed))).toEqual({
      status: 'drifted',
      fields: ['description'],
    });
  });

  it('writes sections atomically and reads them back; a broken lock is an error, a missing one is not', async () => {
    const dir = await tempDir('lock');
    try {
      const path = join(dir.path, 'm.pins.json');
      expect(await readPinLock(path)).toBeUndefined();
      const definition = pinnedDefinition(tool);
      await Promise.all([
        recordInstancePins(path, 'b', {
          transport: 'stdio',
          tools: [{ definition, hash: definitionHash(definition) }],
        }),
        recordInstancePins(path, 'a', { transport: 'http', tools: [] }),
      ]);
      const lock = (await readPinLock(path)) as PinLock;
      expect(Object.keys(lock.instances)).toEqual(['a', 'b']);
      expect(lock.instances.b?.tools.echo?.sha256).toBe(definitionHash(definition));
      expect((await readFile(path, 'utf8')).endsWith('}\n')).toBe(true);
      await writeFile(path, '{"version":2,"instances":{}}');
      await expect(readPinLock(path)).rejects.toThrow(/unexpected shape/);
    } finally {
      await dir.remove();
    }
  });
});
