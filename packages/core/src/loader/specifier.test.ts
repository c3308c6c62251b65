import { describe, expect, it } from 'vitest';
import { parseModuleSpecifier } from './specifier.js';

const MANIFEST_DIR = '/srv/manifests/research';

describe('parseModuleSpecifier', () => {
  it.each([
    ['sqlite', '@scoped-mcp/module-sqlite', 'sqlite'],
    ['filesystem', '@scoped-mcp/module-filesystem', 'filesystem'],
    ['mcp_proxy', '@scoped-mcp/module-mcp-proxy', 'mcp_proxy'],
    ['slack_webhook', '@scoped-mcp/module-slack-webhook', 'slack_webhook'],
    ['http-proxy', '@scoped-mcp/module-http-proxy', 'http_proxy'],
    ['@acme/redis', '@acme/scoped-mcp-module-redis', 'redis'],
    ['@acme/my-cache', '@acme/scoped-mcp-module-my-cache', 'my_cache'],
    ['@acme/scoped-mcp-module-redis', '@acme/scoped-mcp-module-redis', 'redis'],
    ['@scoped-mcp/module-x', '@scoped-mcp/module-x', 'x'],
    ['@scoped-mcp/x', '@scoped-mcp/module-x', 'x'],
    ['scoped-mcp-module-x', 'scoped-mcp-module-x', 'x'],
    ['scoped-mcp-module-big-thing', 'scoped-mcp-module-big-thing', 'big_thing'],
  ])('expands %s to package %s (module name %s)', (type, packageName, moduleName) => {
    expect(parseModuleSpecifier(type, MANIFEST_DIR)).toEqual({ kind: 'package', packageName, moduleName });
  });

  it.each([
    ['./x.mjs', '/srv/manifests/research/x.mjs'],
    ['./lib/x.mjs', '/srv/manifests/research/lib/x.mjs'],
    ['../x.mjs', '/srv/manifests/x.mjs'],
    ['../../shared/x.mjs', '/srv/shared/x.mjs'],
    ['/opt/modules/x.mjs', '/opt/modules/x.mjs'],
  ])('treats %s as a file relative to the manifest directory', (type, path) => {
    expect(parseModuleSpecifier(type, MANIFEST_DIR)).toEqual({ kind: 'file', path });
  });

  it('never resolves a relative file against the working directory', () => {
    const spec = parseModuleSpecifier('./x.mjs', MANIFEST_DIR);
    expect(spec).toEqual({ kind: 'file', path: '/srv/manifests/research/x.mjs' });
    expect(JSON.stringify(spec)).not.toContain(process.cwd());
  });

  it.each([
    'Foo',
    'a b',
    'UPPER',
    '_private',
    '1sqlite',
    '',
    'x.mjs',
    'lib/x.mjs',
    '@acme',
    '@acme/',
    '@ACME/redis',
    '@acme/Redis',
    '@acme/redis/extra',
    '@/redis',
    '@acme/../x',
    '~/x.mjs',
    'file:///etc/x.mjs',
    'data:text/javascript,export default 1',
    'node:fs',
    'https://evil.example/x.mjs',
  ])('refuses %j with a message that shows the accepted forms', (type) => {
    const spec = parseModuleSpecifier(type, MANIFEST_DIR);
    expect(spec).toHaveProperty('error');
    const { error } = spec as { error: string };
    expect(error).toContain(`'${type}' is not a module name`);
    expect(error).toContain("'./my-module.mjs'");
  });

  // The scoped-mcp-module- prefix is copied into the package name as is; it must obey the same
  // character rules as every other form, or it becomes a path (`node_modules/<name>`) with `..` in it.
  it.each([
    'scoped-mcp-module-../../evil',
    'scoped-mcp-module-a/b',
    'scoped-mcp-module-Foo Bar',
    'scoped-mcp-module-',
  ])('refuses the malformed prefixed name %j', (type) => {
    expect(parseModuleSpecifier(type, MANIFEST_DIR)).toHaveProperty('error');
  });
});
