import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './__fixtures__/test-helpers.js';
import { canonicalJson } from './canonical-json.js';
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
