import { join } from 'node:path';
import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorld, snapshot, type World } from './__fixtures__/world.js';
import filesystem from './index.js';

describe('two agents sharing one base_path', () => {
  let world: World;
  let a: ModuleHarness;
  let b: ModuleHarness;

  beforeEach(async () => {
    world = await createWorld();
    a = await createModuleHarness(filesystem, { config: { base_path: world.base }, agentId: 'agent-a' });
    b = await createModuleHarness(filesystem, { config: { base_path: world.base }, agentId: 'agent-b' });
    await a.call('write_file', { path: 'shared-name.txt', content: 'from A' });
    await b.call('write_file', { path: 'shared-name.txt', content: 'from B' });
    await b.call('write_file', { path: 'only-b/b.txt', content: 'B only' });
  });

  afterEach(async () => {
    await a.close();
    await b.close();
    await world.cleanup();
  });

  it('gives each agent its own file under the same name', async () => {
    expect((await a.call('read_file', { path: 'shared-name.txt' })).text).toBe('from A');
    expect((await b.call('read_file', { path: 'shared-name.txt' })).text).toBe('from B');
  });

  it('does not list the other agent’s files', async () => {
    expect((await a.call('list_dir', {})).json()).toEqual(['ok.txt', 'shared-name.txt', 'sub']);
    expect((await b.call('list_dir', {})).json()).toEqual(['dir', 'only-b', 'secret.txt', 'shared-name.txt']);
    expect((await a.call('list_dir', { path: 'only-b' })).text).toBe("Directory not found: 'only-b'");
  });

  it.each([
    ['relative', (_w: World) => '../agent-b/only-b/b.txt'],
    ['absolute', (w: World) => join(w.agentB, 'only-b', 'b.txt')],
  ])('refuses every tool on the other agent’s file by %s path', async (_kind, pathOf) => {
    const path = pathOf(world);
    const before = await snapshot(world.agentB);
    for (const [tool, args] of [
      ['read_file', { path }],
      ['list_dir', { path: join(path, '..') }],
      ['write_file', { path, content: 'A was here' }],
      ['delete_file', { path }],
    ] as const) {
      const r = await a.call(tool, args);
      expect(r.isError, tool).toBe(true);
      expect(r.text).not.toContain('B only');
    }
    expect(await snapshot(world.agentB)).toEqual(before);
  });

  it('does not let delete or overwrite in one agent touch the other', async () => {
    expect((await a.call('delete_file', { path: 'shared-name.txt' })).json()).toBe(true);
    expect((await a.call('write_file', { path: 'only-b/b.txt', content: 'A copy' })).json()).toBe(true);
    expect((await b.call('read_file', { path: 'shared-name.txt' })).text).toBe('from B');
    expect((await b.call('read_file', { path: 'only-b/b.txt' })).text).toBe('B only');
  });
});
