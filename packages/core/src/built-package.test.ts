import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The published build (dist/, bundled by scripts/bundle-dist.mjs) as the CLI and module packages load it.
const packageDir = new URL('../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', packageDir), 'utf8')) as {
  version: string;
  exports: Record<string, string | { types: string; default: string }>;
};
const load = (target: string) => import(new URL(target, packageDir).href);

describe('built package', () => {
  it('has every exports entry, with its types', async () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      expect(
        readdirSync(fileURLToPath(new URL('dist/', packageDir)), { recursive: true }),
        subpath,
      ).toContain(target.types.slice('./dist/'.length));
      expect(Object.keys(await load(target.default)).length, subpath).toBeGreaterThan(0);
    }
  });

  it('shares one copy of core between entries, so classes are the same for the CLI and every module', async () => {
    const index = await load('./dist/index.js');
    const runtime = await load('./dist/runtime.js');
    const run = await load('./dist/runtime/run-stdio.js');
    expect(run.runStdioServer).toBe(runtime.runStdioServer);
    expect(new runtime.StartupError([])).toBeInstanceOf(index.ScopedMcpError);
    expect(index.isScopedMcpError(new runtime.StartupError([]))).toBe(true);
  });

  it('finds its own version from inside the bundle', async () => {
    const runtime = await load('./dist/runtime.js');
    expect(runtime.coreVersion()).toBe(pkg.version);
  });
});
