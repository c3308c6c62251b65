import { isAbsolute, resolve } from 'node:path';

export type ModuleSpecifier =
  | { readonly kind: 'package'; readonly packageName: string; readonly moduleName: string }
  | { readonly kind: 'file'; readonly path: string };

const BARE = /^[a-z][a-z0-9_-]*$/;
const SCOPED = /^@([a-z0-9][a-z0-9._-]*)\/([a-z0-9][a-z0-9._-]*)$/;
const PREFIX = 'scoped-mcp-module-';
const UNSCOPED_PACKAGE = /^scoped-mcp-module-[a-z0-9][a-z0-9._-]*$/;

/**
 * Expands a manifest `type:` into a package name by convention (DESIGN.md §4):
 * `sqlite`, `mcp_proxy` → `@scoped-mcp/module-sqlite`, `@scoped-mcp/module-mcp-proxy` (bare names are always
 * first-party); `@acme/redis` → `@acme/scoped-mcp-module-redis`; `scoped-mcp-module-x` and full scoped names
 * stay; `./x.mjs`, `../x.mjs` and absolute paths are files relative to the manifest.
 */
export function parseModuleSpecifier(type: string, manifestDir: string): ModuleSpecifier | { error: string } {
  if (type.startsWith('./') || type.startsWith('../') || isAbsolute(type)) {
    return { kind: 'file', path: resolve(manifestDir, type) };
  }
  if (type.startsWith(PREFIX)) {
    if (!UNSCOPED_PACKAGE.test(type)) return { error: notAName(type) };
    return { kind: 'package', packageName: type, moduleName: toModuleName(type.slice(PREFIX.length)) };
  }
  const scoped = SCOPED.exec(type);
  if (scoped) {
    const [, scope, name] = scoped as unknown as [string, string, string];
    if (scope === 'scoped-mcp') {
      const suffix = name.startsWith('module-') ? name.slice('module-'.length) : name;
      return {
        kind: 'package',
        packageName: `@scoped-mcp/module-${suffix}`,
        moduleName: toModuleName(suffix),
      };
    }
    const suffix = name.startsWith(PREFIX) ? name.slice(PREFIX.length) : name;
    return { kind: 'package', packageName: `@${scope}/${PREFIX}${suffix}`, moduleName: toModuleName(suffix) };
  }
  if (BARE.test(type)) {
    const suffix = type.replaceAll('_', '-');
    return { kind: 'package', packageName: `@scoped-mcp/module-${suffix}`, moduleName: toModuleName(type) };
  }
  return { error: notAName(type) };
}

function notAName(type: string): string {
  return `'${type}' is not a module name (use a name like 'sqlite', a package like '@acme/redis', or a file like './my-module.mjs')`;
}

function toModuleName(suffix: string): string {
  return suffix.replaceAll('-', '_');
}
