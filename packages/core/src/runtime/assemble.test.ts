import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  brandedModuleSource,
  coreModuleSource,
  exists,
  linkCore,
  tempDir,
  writePackage,
} from '../__fixtures__/module-packages.js';
import { assemble } from './assemble.js';
import { StartupError } from '../errors/errors.js';

// One install tree for the whole file: module packages are imported once per URL, so sharing is cheaper.
let root: string;
let counter = 0;

const ALPHA = `{
  name: 'alpha',
  description: 'alpha',
  config: z.strictObject({ base_path: z.string().min(1), max: z.number().int().default(10) }),
  credentials: { required: ['ALPHA_TOKEN'], optional: ['ALPHA_EXTRA'] },
  tools: {
    ping: defineTool({ mode: 'read', description: 'p', input: z.strictObject({}), handler: () => 'pong' }),
    poke: defineTool({ mode: 'write', description: 'p', input: z.strictObject({}), handler: () => 'poked' }),
  },
}`;

const BETA = `{
  name: 'beta',
  description: 'beta',
  config: z.strictObject({ key_name: z.string().regex(/^[A-Z_]+$/) }),
  credentials: (config) => ({ required: [config.key_name] }),
  tools: { get: defineTool({ mode: 'read', description: 'g', input: z.strictObject({}), handler: () => 'g' }) },
}`;

const DUP = `{
  name: 'dup',
  description: 'dup',
  config: z.strictObject({}),
  tools: {
    x_y: defineTool({ mode: 'read', description: 'a', input: z.strictObject({}), handler: () => '' }),
    y: defineTool({ mode: 'read', description: 'b', input: z.strictObject({}), handler: () => '' }),
  },
}`;

const STAT = `{ name: 'stat', description: 'stat', config: z.strictObject({}), tools: {
  status: defineTool({ mode: 'read', description: 's', input: z.strictObject({}), handler: () => 'fake status' }),
} }`;

// A module whose check reports what its config asks for, and counts its runs in a file next to it.
const CHECKED = `{
  name: 'checked',
  description: 'checked',
  config: z.strictObject({ problems: z.array(z.string()).default([]), throws: z.boolean().default(false) }),
  async check(ctx) {
    const fs = await import('node:fs');
    fs.appendFileSync(new URL('./check-runs.txt', import.meta.url), ctx.instance + '\\n');
    if (ctx.config.throws) throw new Error('check exploded');
    return ctx.config.problems.map((p) => p + ' (limit ' + ctx.limits.max_message_bytes + ', dir ' + ctx.resolvePath('x') + ')');
  },
  tools: { hi: defineTool({ mode: 'read', description: 'h', input: z.strictObject({}), handler: () => 'hi' }) },
}`;

const PLAIN = `{ name: 'plain', description: 'plain', config: z.strictObject({}), tools: {
  hello: defineTool({ mode: 'read', description: 'h', input: z.strictObject({}), handler: () => 'hi' }),
} }`;

beforeAll(async () => {
  root = await tempDir('assemble');
  await linkCore(root);
  await writePackage(root, {
    name: '@scoped-mcp/module-alpha',
    files: { 'index.mjs': coreModuleSource({ name: 'alpha', body: ALPHA }) },
  });
  await writePackage(root, {
    name: '@scoped-mcp/module-beta',
    files: { 'index.mjs': coreModuleSource({ name: 'beta', body: BETA }) },
  });
  await writePackage(root, {
    name: '@scoped-mcp/module-dup',
    files: { 'index.mjs': coreModuleSource({ name: 'dup', body: DUP }) },
  });
  await writePackage(root, {
    name: '@scoped-mcp/module-stat',
    files: { 'index.mjs': coreModuleSource({ name: 'stat', body: STAT }) },
  });
  await writePackage(root, {
    name: '@scoped-mcp/module-boom',
    files: { 'index.mjs': "throw new Error('boom while importing');" },
  });
  await writePackage(root, { name: '@scoped-mcp/module-old', peer: '>=99.0.0' });
  await writePackage(root, {
    name: '@scoped-mcp/module-checked',
    files: { 'index.mjs': coreModuleSource({ name: 'checked', body: CHECKED }) },
  });
  await writeFile(join(root, 'local-plain.mjs'), coreModuleSource({ name: 'plain', body: PLAIN }));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function manifest(yaml: string): Promise<string> {
  const dir = join(root, 'manifests', String(counter++));
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'agent.yml');
  await writeFile(path, yaml);
  return path;
}

async function startupProblems(promise: Promise<unknown>): Promise<readonly string[]> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StartupError);
    return (error as StartupError).problems;
  }
  throw new Error('assemble succeeded');
}

const ENV = {
  ALPHA_TOKEN: 'alpha-token-value-1',
  BETA_KEY: 'beta-key-value-22',
  UNRELATED_SECRET: 'do-not-touch-333',
};

describe('assemble', () => {
  it('loads, validates and resolves credentials for exactly the declared keys', async () => {
    const path = await manifest(`
agent_type: research
modules:
  alpha:
    mode: read
    config: { base_path: data }
  beta:
    config: { key_name: BETA_KEY }
`);
    const assembly = await assemble({ manifestPath: path, env: ENV });
    const [alpha, beta] = assembly.instances;
    expect(alpha).toMatchObject({
      key: 'alpha',
      type: 'alpha',
      mode: 'read',
      optional: false,
      config: { base_path: 'data', max: 10 },
      credentials: { ALPHA_TOKEN: 'alpha-token-value-1' },
    });
    expect(beta).toMatchObject({ key: 'beta', mode: null, credentials: { BETA_KEY: 'beta-key-value-22' } });
    expect(Object.keys(alpha?.credentials ?? {})).toEqual(['ALPHA_TOKEN']);
    expect([...assembly.secrets].sort()).toEqual(['alpha-token-value-1', 'beta-key-value-22']);
    expect(assembly.toolNames).toEqual(['alpha_ping', 'beta_get']);
    expect(alpha?.failure).toBeUndefined();
  });

  it('reports config problems at modules.<key>.config.<field>, all together, without the values', async () => {
    const path = await manifest(`
agent_type: research
modules:
  alpha:
    config: { max: "secret-looking-value", surplus: 1 }
  beta:
    config: { key_name: "not valid!" }
`);
    const problems = await startupProblems(assemble({ manifestPath: path, env: ENV }));
    const text = problems.join('\n');
    expect(text).toContain('modules.alpha.config.base_path');
    expect(text).toContain('modules.alpha.config.max');
    expect(text).toContain('modules.alpha.config.surplus');
    expect(text).toContain('modules.beta.config.key_name');
    expect(text).not.toContain('secret-looking-value');
    expect(text).not.toContain('not valid!');
  });

  it('lists every missing credential of every module in one error, never a value', async () => {
    const path = await manifest(`
agent_type: research
modules:
  alpha:
    config: { base_path: data }
  beta:
    config: { key_name: BETA_KEY }
`);
    const problems = await startupProblems(
      assemble({ manifestPath: path, env: { UNRELATED_SECRET: 'do-not-touch-333' } }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('modules.alpha needs ALPHA_TOKEN');
    expect(problems[0]).toContain('modules.beta needs BETA_KEY');
    expect(problems[0]).not.toContain('do-not-touch-333');
  });

  it('downgrades missing credentials to warnings for validate', async () => {
    const path = await manifest(`
agent_type: research
modules:
  alpha:
    config: { base_path: data }
`);
    const assembly = await assemble({ manifestPath: path, env: {}, credentialsAsWarnings: true });
    expect(assembly.warnings.join('\n')).toContain('modules.alpha needs ALPHA_TOKEN');
  });

  it('keeps going when optional modules fail, marking each failure', async () => {
    const path = await manifest(`
agent_type: research
modules:
  alpha:
    config: { base_path: data }
  missing:
    type: not_installed_anywhere
    optional: true
  badcfg:
    type: beta
    optional: true
    config: { key_name: "lower" }
  nocreds:
    type: beta
    optional: true
    config: { key_name: NOT_SET_KEY }
  old:
    optional: true
`);
    const assembly = await assemble({ manifestPath: path, env: ENV });
    const byKey = Object.fromEntries(assembly.instances.map((i) => [i.key, i]));
    expect(byKey.alpha?.failure).toBeUndefined();
    expect(byKey.missing?.failure?.status).toBe('failed_import');
    expect(byKey.old?.failure?.status).toBe('failed_import');
    expect(byKey.badcfg?.failure).toMatchObject({ status: 'failed_init' });
    expect(byKey.badcfg?.failure?.error).toContain('modules.badcfg.config.key_name');
    expect(byKey.nocreds?.failure).toMatchObject({ status: 'failed_init' });
    expect(byKey.nocreds?.failure?.error).toContain('NOT_SET_KEY');
    expect(assembly.toolNames).toEqual(['alpha_ping', 'alpha_poke']);
    expect(assembly.warnings.length).toBeGreaterThanOrEqual(4);
  });

  it('isolates a module that throws on import (failed_import), even when not optional', async () => {
    const path = await manifest(`
agent_type: research
modules:
  boom: {}
  alpha:
    config: { base_path: data }
`);
    const assembly = await assemble({ manifestPath: path, env: ENV });
    const boom = assembly.instances.find((i) => i.key === 'boom');
    expect(boom?.failure?.status).toBe('failed_import');
    expect(boom?.failure?.error).toContain('boom while importing');
    expect(assembly.toolNames).toEqual(['alpha_ping', 'alpha_poke']);
  });

  it('stops on a missing or incompatible required module, together with other problems', async () => {
    const path = await manifest(`
agent_type: research
modules:
  nowhere: {}
  old: {}
  alpha:
    config: {}
`);
    const problems = await startupProblems(assemble({ manifestPath: path, env: ENV }));
    const text = problems.join('\n');
    expect(text).toContain("module package '@scoped-mcp/module-nowhere' is not installed");
    expect(text).toContain("'nowhere' is not a first-party module");
    expect(text).toContain("modules.old: cannot load '@scoped-mcp/module-old'");
    expect(text).toContain('modules.alpha.config.base_path');
  });

  it('refuses two modules that expose the same tool name', async () => {
    const path = await manifest(`
agent_type: research
modules:
  m:
    type: dup
  m_x:
    type: dup
`);
    const problems = await startupProblems(assemble({ manifestPath: path, env: {} }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/tool name 'm_x_y'.*rename/);
  });

  it('refuses a module tool that would shadow the built-in status tool', async () => {
    const path = await manifest(`
agent_type: research
modules:
  scoped_mcp:
    type: stat
`);
    const problems = await startupProblems(assemble({ manifestPath: path, env: {} }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/tool name 'scoped_mcp_status'.*rename/);
  });

  it('runs several instances of one module under different keys', async () => {
    const path = await manifest(`
agent_type: research
modules:
  first:
    type: alpha
    config: { base_path: one }
  second:
    type: alpha
    mode: read
    config: { base_path: two }
`);
    const assembly = await assemble({ manifestPath: path, env: ENV });
    expect(assembly.toolNames).toEqual(['first_ping', 'first_poke', 'second_ping']);
    expect(assembly.instances.map((i) => i.config)).toEqual([
      { base_path: 'one', max: 10 },
      { base_path: 'two', max: 10 },
    ]);
  });

  it('loads a ./file module relative to the manifest, not the working directory', async () => {
    const path = await manifest(`
agent_type: research
modules:
  plain:
    type: ../../local-plain.mjs
`);
    const saved = process.cwd();
    process.chdir(join(root, 'node_modules'));
    try {
      const assembly = await assemble({ manifestPath: path, env: {} });
      expect(assembly.toolNames).toEqual(['plain_hello']);
    } finally {
      process.chdir(saved);
    }
  });

  it("loads a ./file module from the manifest's real directory when the manifest is reached through a link", async () => {
    const real = join(root, 'operator', String(counter++));
    const workspace = join(root, 'workspace', String(counter++));
    await mkdir(real, { recursive: true });
    await mkdir(workspace, { recursive: true });
    await writeFile(
      join(real, 'agent.yml'),
      'agent_type: research\nmodules:\n  plain:\n    type: ./mod.mjs\n',
    );
    await writeFile(join(real, 'mod.mjs'), coreModuleSource({ name: 'plain', body: PLAIN }));
    // What an agent that can write its workspace plants next to a link to the operator's manifest.
    const marker = join(workspace, 'planted-ran');
    await writeFile(join(workspace, 'mod.mjs'), brandedModuleSource({ name: 'plain', marker }));
    await symlink(join(real, 'agent.yml'), join(workspace, 'agent.yml'));

    const assembly = await assemble({ manifestPath: join(workspace, 'agent.yml'), env: {} });
    expect(assembly.toolNames).toEqual(['plain_hello']);
    expect(await exists(marker)).toBe(false);
    expect(assembly.manifest.path).toBe(join(real, 'agent.yml'));
    expect(assembly.manifest.dir).toBe(real);
  });

  it('finds modules installed next to the CLI', async () => {
    const elsewhere = await tempDir('assemble-cli');
    try {
      const cliDir = join(elsewhere, 'cli');
      await mkdir(cliDir);
      await linkCore(cliDir);
      await writePackage(cliDir, {
        name: '@scoped-mcp/module-only-cli',
        files: { 'index.mjs': coreModuleSource({ name: 'only_cli' }) },
      });
      const dir = join(elsewhere, 'manifests');
      await mkdir(dir);
      await writeFile(join(dir, 'agent.yml'), 'agent_type: research\nmodules:\n  only_cli: {}\n');
      const path = join(dir, 'agent.yml');
      await expect(assemble({ manifestPath: path, env: {} })).rejects.toBeInstanceOf(StartupError);
      const assembly = await assemble({ manifestPath: path, env: {}, cliDir });
      expect(assembly.toolNames).toEqual(['only_cli_ping']);
      expect(await exists(join(cliDir, 'node_modules/@scoped-mcp/module-only-cli/package.json'))).toBe(true);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});

describe("assemble's checks for validate", () => {
  const checkRuns = () => join(root, 'node_modules', '@scoped-mcp', 'module-checked', 'check-runs.txt');

  it("runs each module's check only when asked, prefixing its problems with the module's key", async () => {
    const path = await manifest(`
agent_type: research
limits: { max_message_bytes: 65536 }
modules:
  first:
    type: checked
    config: { problems: ["config dir: cannot be created"] }
  second:
    type: checked
`);
    await rm(checkRuns(), { force: true });
    await assemble({ manifestPath: path, env: {} });
    expect(await exists(checkRuns())).toBe(false);

    const problems = await startupProblems(assemble({ manifestPath: path, env: {}, check: true }));
    expect(problems).toEqual([
      `modules.first: config dir: cannot be created (limit 65536, dir ${join(path, '..', 'x')})`,
    ]);
  });

  it("reports an optional module's problems and a check that throws as such", async () => {
    const path = await manifest(`
agent_type: research
modules:
  soft:
    type: checked
    optional: true
    config: { problems: ["config dir: not writable"] }
  broken:
    type: checked
    config: { throws: true }
`);
    const problems = await startupProblems(assemble({ manifestPath: path, env: {}, check: true }));
    expect(problems).toEqual(['modules.broken: its check failed: Error: check exploded']);
    const soft = await manifest(`
agent_type: research
modules:
  soft:
    type: checked
    optional: true
    config: { problems: ["config dir: not writable"] }
`);
    const assembly = await assemble({ manifestPath: soft, env: {}, check: true });
    expect(assembly.warnings).toContain(
      `modules.soft: config dir: not writable (limit 10485760, dir ${join(soft, '..', 'x')})`,
    );
  });

  it('reports a state backend package that is not installed, importing nothing', async () => {
    const path = await manifest(`
agent_type: research
state_backend: { type: redis, url: "redis://user:pw-77@localhost:6379" }
modules:
  plain:
    type: ../../local-plain.mjs
`);
    await assemble({ manifestPath: path, env: {} });
    const problems = await startupProblems(assemble({ manifestPath: path, env: {}, check: true }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(
      "state_backend: state backend package '@scoped-mcp/state-redis' is not installed",
    );
    expect(problems[0]).toContain('fix: ');
    expect(problems[0]).not.toContain('pw-77');
  });

  it('refuses a secrets file the server would refuse, even where missing credentials are only warnings', async () => {
    const path = await manifest(`
agent_type: research
credentials: { source: file, path: secrets.yml }
modules:
  alpha:
    config: { base_path: data }
`);
    const secrets = join(path, '..', 'secrets.yml');
    await writeFile(secrets, 'ALPHA_TOKEN: from-the-file-44\n', { mode: 0o644 });
    const problems = await startupProblems(
      assemble({ manifestPath: path, env: {}, credentialsAsWarnings: true, check: true }),
    );
    expect(problems.join('\n')).toContain(`Secrets file '${secrets}' has insecure permissions: mode 0644`);
    expect(problems.join('\n')).toContain(`chmod 600 ${secrets}`);
    expect(problems.join('\n')).not.toContain('from-the-file-44');
  });
});
