import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv } from '../helpers/env.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

// A command the CLI does not know, contributed by a module package installed next to the manifest.

const CORE_DIR = fileURLToPath(new URL('../../../../packages/core/', import.meta.url));

const GREETER = `import { defineModule, z } from '@scoped-mcp/core';

export default defineModule({
  name: 'greeter',
  description: 'Test fixture: contributes the greet command.',
  config: z.strictObject({ greeting: z.string().default('hello') }),
  credentials: { optional: ['GREETER_TOKEN'] },
  tools: {},
  commands: {
    greet: {
      summary: 'greet someone from every greeter instance',
      usage: 'NAME',
      run(ctx) {
        const [name, ...rest] = ctx.args;
        if (!name || rest.length > 0) {
          ctx.err('usage: ' + ctx.usage);
          return 2;
        }
        for (const instance of ctx.instances) ctx.out(instance.key + ': ' + instance.config.greeting + ', ' + name);
        ctx.err('token ' + ctx.instances[0].credentials.GREETER_TOKEN);
        return 3;
      },
    },
  },
});
`;

describe('commands contributed by modules', () => {
  let dir: string;
  let manifest: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await makeTempDir('module-commands');
    const pkg = join(dir, 'node_modules', 'scoped-mcp-module-greeter');
    await mkdir(pkg, { recursive: true });
    await mkdir(join(dir, 'node_modules', '@scoped-mcp'));
    await symlink(CORE_DIR, join(dir, 'node_modules', '@scoped-mcp', 'core'), 'dir');
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: 'scoped-mcp-module-greeter',
        version: '1.0.0',
        type: 'module',
        keywords: ['scoped-mcp-module'],
        exports: { '.': './index.mjs' },
        peerDependencies: { '@scoped-mcp/core': '*' },
      }),
    );
    await writeFile(join(pkg, 'index.mjs'), GREETER);
    manifest = join(dir, 'agent.yml');
    await writeFile(
      manifest,
      [
        'agent_type: research',
        'modules:',
        '  english:',
        '    type: scoped-mcp-module-greeter',
        '  french:',
        '    type: scoped-mcp-module-greeter',
        '    config: { greeting: bonjour }',
        '',
      ].join('\n'),
    );
    env = childEnv(dir, { GREETER_TOKEN: 'greeter-secret-4711' });
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it("runs the module's command with its instances and exits with its code", async () => {
    const run = await runCli(['greet', 'world', '--manifest', manifest], { cwd: dir, env });
    expect(run.stdout).toBe('english: hello, world\nfrench: bonjour, world\n');
    expect(run.stderr).toBe('token <redacted-secret>\n');
    expect(run.code).toBe(3);
  });

  it('gives the command its usage line for a usage error', async () => {
    const run = await runCli(['greet', '--manifest', manifest], { cwd: dir, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('usage: scoped-mcp greet NAME --manifest PATH [--modules-from DIR]\n');
  });

  it('needs --manifest to know which modules to ask', async () => {
    const run = await runCli(['greet', 'world'], { cwd: dir, env });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^scoped-mcp greet: --manifest PATH is required/);
  });

  it('validate names the commands the modules add; --help says modules add commands', async () => {
    const validate = await runCli(['validate', '--manifest', manifest], { cwd: dir, env });
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('Commands its modules add: scoped-mcp greet');
    const help = await runCli(['--help'], { cwd: dir, env });
    expect(help.stdout).toContain('Modules may add commands of their own');
    expect(help.stdout).toContain('scoped-mcp pins update --manifest PATH');
  });
});
