import { describe, expect, it } from 'vitest';
import { createToolFilter, normaliseToolName } from './tool-names.js';

describe('normaliseToolName', () => {
  it.each([
    ['echo', 'echo'],
    ['get-sum', 'get_sum'],
    ['a.b/c d', 'a_b_c_d'],
    ['2fa.check', 'tool_2fa_check'],
    ['_private', '_private'],
    ['Ünïcode', '_n_code'],
  ])('%s → %s', (name, expected) => {
    expect(normaliseToolName(name)).toBe(expected);
  });
});

describe('createToolFilter', () => {
  it('allowlist (empty = all) then denylist, by the upstream spelling', () => {
    const all = createToolFilter([], ['drop-me']);
    expect(all('anything')).toBe(true);
    expect(all('drop-me')).toBe(false);
    const some = createToolFilter(['get-sum', 'echo'], ['echo']);
    expect(['get-sum', 'echo', 'get_sum'].filter(some)).toEqual(['get-sum']);
  });
});
