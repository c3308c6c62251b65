import type { ModuleLogger } from '@scoped-mcp/core';
import { describe, expect, it } from 'vitest';
import { passthroughObject } from './passthrough.js';
import { definitionHash, pinnedDefinition } from './pins.js';
import { type PinningMode, ToolCatalog } from './tool-catalog.js';
import { createToolFilter } from './tool-names.js';

function catalog(pinning: PinningMode = 'off', instance = 'up') {
  const events: { level: string; event: string; fields: Record<string, unknown> }[] = [];
  const record =
    (level: string) =>
    (fields: object, event?: string): void => {
      events.push({ level, event: event ?? '', fields: fields as Record<string, unknown> });
    };
  const log: ModuleLogger = {
    debug: record('debug'),
    info: record('info'),
    warn: record('warn'),
    error: record('error'),
  };
  const c = new ToolCatalog({
    instance,
    pinning,
    filter: createToolFilter([], []),
    allowlist: [],
    log,
    toolFor: (entry) => ({
      mode: 'write',
      description: String(entry.raw.description ?? ''),
      input: passthroughObject,
      handler: () => entry.key,
    }),
  });
  return { c, events };
}

const tool = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  description: `${name} tool`,
  inputSchema: { type: 'object' },
  ...extra,
});

describe('ToolCatalog', () => {
  it('drops a tool the agent client would reject and keeps the rest', () => {
    const { c, events } = catalog();
    c.apply(
      [tool('ok'), { name: 'no-schema' }, tool('bad-schema', { inputSchema: { type: 'string' } }), 42],
      undefined,
      true,
    );
    expect(Object.keys(c.tools)).toEqual(['ok']);
    expect(events.filter((e) => e.event === 'mcp_proxy_tool_invalid').map((e) => e.fields.tool)).toEqual([
      'no-schema',
      'bad-schema',
      null,
    ]);
  });

  it('skips names that would exceed 128 characters once prefixed', () => {
    const { c, events } = catalog('off', 'x'.repeat(100));
    c.apply([tool('short'), tool('y'.repeat(40))], undefined, true);
    expect(Object.keys(c.tools)).toEqual(['short']);
    expect(events.some((e) => e.event === 'mcp_proxy_tool_name_too_long')).toBe(true);
  });

  it('after startup, a new colliding tool does not displace the one that held the name', () => {
    const { c, events } = catalog();
    c.apply([tool('a.b')], undefined, true);
    const before = c.tools;
    expect(c.apply([tool('a-b'), tool('a.b')], undefined, false)).toBe(false);
    expect(c.get('a_b')?.upstreamName).toBe('a.b');
    expect(c.tools).toBe(before);
    expect(events.find((e) => e.event === 'mcp_proxy_tool_name_collision')?.fields).toMatchObject({
      tools: ['a-b', 'a.b'],
      kept: 'a.b',
    });
  });

  it('reports a change only when the offered set or a definition changes, and reuses unchanged entries', () => {
    const { c } = catalog();
    expect(c.apply([tool('one'), tool('two')], undefined, true)).toBe(true);
    const one = c.get('one');
    expect(c.apply([tool('two'), tool('one')], undefined, false)).toBe(false);
    expect(c.get('one')).toBe(one);
    expect(c.apply([tool('one', { description: 'changed' }), tool('two')], undefined, false)).toBe(true);
    expect(c.apply([tool('one', { description: 'changed' })], undefined, false)).toBe(true);
    expect(Object.keys(c.tools)).toEqual(['one']);
  });

  it('under enforce offers exactly the pinned, unchanged tools and alerts once per definition', () => {
    const { c, events } = catalog('enforce');
    const pinned = tool('pinned');
    const definition = pinnedDefinition(pinned);
    const pins = {
      tools: { pinned: { sha256: definitionHash(definition) }, drifted: { sha256: '0'.repeat(64) } },
    };
    c.apply([pinned, tool('drifted'), tool('fresh')], pins, true);
    c.apply([pinned, tool('drifted'), tool('fresh')], pins, false);
    expect(Object.keys(c.tools)).toEqual(['pinned']);
    expect(c.eligible.map((e) => e.upstreamName)).toEqual(['pinned', 'drifted', 'fresh']);
    expect(events.filter((e) => e.level === 'error').map((e) => e.event)).toEqual([
      'mcp_proxy_tool_definition_changed',
      'mcp_proxy_tool_not_pinned',
    ]);
  });
});
