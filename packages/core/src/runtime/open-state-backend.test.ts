import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStateBackend } from './open-state-backend.js';
import { StartupError } from '../errors/errors.js';

const REDIS = { type: 'redis', url: 'redis://:hunter2@127.0.0.1:6379/0' } as const;

// A factory package written as plain JS with its own Symbol.for brand: it stands for a copy of the
// package bundling its own core, which must still be recognised.
const WORKING_FACTORY = `
const calls = (globalThis.__stateFactoryCalls ??= []);
export default {
  [Symbol.for('scoped-mcp.state-backend-factory')]: 1,
  type: 'redis',
  async create(config, context) {
    calls.push({ config, context });
    return { kind: 'fake', shared: true };
  },
};
`;

describe('openStateBackend', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), 'smcp-open-state-'));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  async function writePackage(
    json: Record<string, unknown>,
    code: string,
    name = '@scoped-mcp/state-redis',
  ): Promise<void> {
    const dir = join(base, 'node_modules', name);
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({
        name,
        version: '0.1.0',
        type: 'module',
        keywords: ['scoped-mcp-state'],
        exports: { '.': './index.js' },
        peerDependencies: { '@scoped-mcp/core': '^0.1.0' },
        ...json,
      }),
    );
    await writeFile(join(dir, 'index.js'), code);
  }

  const open = (config: Parameters<typeof openStateBackend>[0] = REDIS) =>
    openStateBackend(config, { bases: [base], coreVersion: '0.1.0' });

  const failure = async (config: Parameters<typeof openStateBackend>[0] = REDIS) => {
    const error = await open(config).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    const text = (error as Error).message;
    // Never the URL's password, whatever went wrong.
    expect(text).not.toContain('hunter2');
    return text;
  };

  it('in_process needs no package', async () => {
    const state = await open({ type: 'in_process' });
    expect(state).toMatchObject({ kind: 'in_process', shared: false });
    await state.close();
  });

  it('redis without the package says what to install', async () => {
    const text = await failure();
    expect(text).toContain("state_backend: state backend package '@scoped-mcp/state-redis' is not installed");
    expect(text).toContain('fix: pnpm add @scoped-mcp/state-redis');
    expect(text).toContain(`looked in: ${base}`);
  });

  it('loads a branded factory and passes url, key_prefix and the core version', async () => {
    await writePackage({}, WORKING_FACTORY);
    const state = await open({ ...REDIS, key_prefix: 'team-a:' });
    expect(state).toMatchObject({ kind: 'fake' });
    const calls = (globalThis as { __stateFactoryCalls?: unknown[] }).__stateFactoryCalls;
    expect(calls?.at(-1)).toEqual({
      config: { url: REDIS.url, key_prefix: 'team-a:' },
      context: { coreVersion: '0.1.0' },
    });
  });

  it('refuses a package without the scoped-mcp-state keyword, before running its code', async () => {
    await writePackage({ keywords: ['scoped-mcp-module'] }, 'throw new Error("must not run");');
    expect(await failure()).toContain("keywords lack 'scoped-mcp-state'");
  });

  it('refuses a package built for another core', async () => {
    await writePackage(
      { peerDependencies: { '@scoped-mcp/core': '^2.0.0' } },
      'throw new Error("must not run");',
    );
    const text = await failure();
    expect(text).toContain('it needs @scoped-mcp/core ^2.0.0, but this scoped-mcp runs core 0.1.0');
    expect(text).toContain('pnpm add @scoped-mcp/state-redis@latest @scoped-mcp/core@latest');
  });

  it('refuses a package whose package.json names another package', async () => {
    await writePackage({ name: 'evil-state' }, 'throw new Error("must not run");');
    expect(await failure()).toContain("names 'evil-state', not '@scoped-mcp/state-redis'");
  });

  it('refuses an unbranded default export', async () => {
    await writePackage({}, 'export default { type: "redis", async create() { return {}; } };');
    expect(await failure()).toContain(
      'does not default-export a factory made with defineStateBackendFactory()',
    );
  });

  it('reports an import failure in one line', async () => {
    await writePackage({}, 'throw new Error("broken build\\nsecond line");');
    const text = await failure();
    expect(text).toContain('importing @scoped-mcp/state-redis@0.1.0 failed: Error: broken build');
    expect(text).not.toContain('second line');
  });

  it('refuses a factory serving another type', async () => {
    await writePackage({}, WORKING_FACTORY.replace("type: 'redis'", "type: 'memcached'"));
    expect(await failure()).toContain("serves type 'memcached', not 'redis'");
  });

  it('turns a create() failure into a startup problem', async () => {
    await writePackage(
      {},
      WORKING_FACTORY.replace('calls.push({ config, context });', 'throw new Error("bad url");'),
    );
    expect(await failure()).toContain('state_backend: Error: bad url');
  });
});
