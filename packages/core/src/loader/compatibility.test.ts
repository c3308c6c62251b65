import { describe, expect, it } from 'vitest';
import { incompatibility, MODULE_KEYWORD } from './compatibility.js';

const NAME = '@scoped-mcp/module-x';

function json(overrides: Record<string, unknown> = {}) {
  return {
    name: NAME,
    version: '1.0.0',
    keywords: ['mcp', MODULE_KEYWORD],
    peerDependencies: { '@scoped-mcp/core': '^0.1.0' },
    ...overrides,
  };
}

describe('incompatibility', () => {
  it('accepts a well-formed module package', () => {
    expect(incompatibility(json(), NAME, '0.1.0')).toBeUndefined();
  });

  it('refuses a package whose name is not the expected one', () => {
    expect(incompatibility(json({ name: '@evil/module-x' }), NAME, '0.1.0')).toBe(
      `its package.json names '@evil/module-x', not '${NAME}'`,
    );
    expect(incompatibility(json({ name: undefined }), NAME, '0.1.0')).toContain("names '(none)'");
  });

  it('refuses a package without the keyword', () => {
    expect(incompatibility(json({ keywords: ['mcp'] }), NAME, '0.1.0')).toContain(`lack '${MODULE_KEYWORD}'`);
    expect(incompatibility(json({ keywords: undefined }), NAME, '0.1.0')).toContain(MODULE_KEYWORD);
  });

  it('refuses a package that does not declare core', () => {
    expect(incompatibility(json({ peerDependencies: {} }), NAME, '0.1.0')).toBe(
      'it does not declare @scoped-mcp/core as a peer dependency',
    );
  });

  it.each([
    ['^0.1.0', '0.1.0'],
    ['^0.1.0', '0.1.9'],
    ['>=0.1.0 <2', '1.4.2'],
    ['~1.2.0', '1.2.7'],
    ['*', '3.0.0'],
    ['workspace:^', '0.1.0'],
    ['workspace:*', '9.9.9'],
    ['workspace:~', '0.1.0'],
    ['workspace:^0.1.0', '0.1.3'],
    ['^1.0.0', '1.1.0-beta.1'],
  ])('accepts peer range %s on core %s', (range, core) => {
    expect(
      incompatibility(json({ peerDependencies: { '@scoped-mcp/core': range } }), NAME, core),
    ).toBeUndefined();
  });

  it.each([
    ['^0.2.0', '0.1.0'],
    ['^0.1.0', '0.2.0'],
    ['^1.0.0', '2.0.0'],
    ['>=9', '0.1.0'],
    ['workspace:^1.0.0', '0.1.0'],
    ['latest', '0.1.0'],
    ['not a range', '0.1.0'],
  ])('refuses peer range %s on core %s, naming both', (range, core) => {
    const problem = incompatibility(json({ peerDependencies: { '@scoped-mcp/core': range } }), NAME, core);
    expect(problem).toBe(`it needs @scoped-mcp/core ${range}, but this scoped-mcp runs core ${core}`);
  });

  it('checks the name before anything else', () => {
    const problem = incompatibility(
      json({ name: 'other', keywords: [], peerDependencies: {} }),
      NAME,
      '0.1.0',
    );
    expect(problem).toContain("names 'other'");
  });
});
