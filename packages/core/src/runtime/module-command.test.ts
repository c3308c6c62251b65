import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreModuleSource, linkCore, tempDir, writePackage } from '../__fixtures__/module-packages.js';
import { runModuleCommand } from './module-command.js';

// A module's CLI command, run the way `scoped-mcp <word> --manifest PATH` runs it.

const GREETER = `{
  name: 'greeter',
  description: 'greets',
  config: z.strictObject({ greeting: z.string().default('hello') }),
  credentials: { optional: ['GREETER_TOKEN'] },
  tools: {},
  commands: {
    greet: {
      summary: 'greet everyone',
      usage: 'NAME',
      run(ctx) {
        ctx.out(JSON.stringify({
          command: ctx.command,
          args: ctx.args,
          usage: ctx.usage,
          instances: ctx.instances,
          unavailable: ctx.unavailable,
          agent: ctx.agent,
          manifestPath: ctx.manifestPath,
          manifestDir: ctx.manifestDir,
          resolved: [ctx.resolvePath('data'), ctx.resolvePath('/abs')],
        }));
        for (const instance of ctx.instances) ctx.err('token: ' + (instance.credentials.GREETER_TOKEN ?? '-'));
        return ctx.args.length;
      },
    },
    boom: {
      summary: 'throws',
      usage: '',
      run(ctx) {
        throw new Error('exploded with ' + ctx.instances[0].credentials.GREETER_TOKEN + '\\nsecond line');
      },
    },
  },
}`;

const ECHOER = `{
  name: 'echoer',
  description: 'echoes',
  config: z.strictObject({}),
  tools: {},
  commands: { greet: { summary: 'also greets', usage: '', run: (ctx) => { ctx.out('echoer greets'); return 5; } } },
}`;

const PLAIN = `{ name: 'plain', description: 'plain', config: z.strictObject({}), tools: {} }`;

let root: string;
let counter = 0;
const TOKEN = 'greeter-token-4f9a2c';

beforeAll(async () => {
  root = await tempDir('module-command');
  await linkCore(root);
  for (const [name, body] of [
    ['greeter', GREETER],
    ['echoer', ECHOER],
    ['plain', PLAIN],
  ] as const) {
    await writePackage(root, {
      name: `@scoped-mcp/module-${name}`,
      files: { 'index.mjs': coreModuleSource({ name, body }) },
    });
  }
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

async function run(manifestPath: string, command: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runModuleCommand({
    command,
    args,
    manifestPath,
    env: { GREETER_TOKEN: TOKEN, ...env },
    opsLog: join(root, 'ops.jsonl'),
    out: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
  });
  return { code, stdout, stderr };
}

describe('runModuleCommand', () => {
  it('runs the command once with every instance of its module, as a server start would load them', async () => {
    const path = await manifest(`
agent_type: research
modules:
  first:
    type: greeter
  second:
    type: greeter
    config: { greeting: hi }
  other:
    type: plain
`);
    const r = await run(path, 'greet', ['world', 'again']);
    expect(r.code).toBe(2);
    expect(r.stdout).toHaveLength(1);
    const dir = join(path, '..');
    expect(JSON.parse(r.stdout[0]!)).toEqual({
      command: 'greet',
      args: ['world', 'again'],
      usage: 'scoped-mcp greet NAME --manifest PATH [--modules-from DIR]',
      instances: [
        { key: 'first', config: { greeting: 'hello' }, credentials: { GREETER_TOKEN: '<redacted-secret>' } },
        { key: 'second', config: { greeting: 'hi' }, credentials: { GREETER_TOKEN: '<redacted-secret>' } },
      ],
      unavailable: [],
      agent: { id: 'greet', type: 'research', sessionId: 'greet' },
      manifestPath: path,
      manifestDir: dir,
      resolved: [join(dir, 'data'), '/abs'],
    });
  });

  it('redacts every credential value of the manifest from what the command writes', async () => {
    const path = await manifest('agent_type: research\nmodules:\n  greeter: {}\n');
    const r = await run(path, 'greet');
    expect(r.code).toBe(0);
    expect(r.stderr).toEqual(['token: <redacted-secret>']);
    expect(JSON.stringify(r)).not.toContain(TOKEN);
  });

  it('gives the agent of AGENT_ID / AGENT_TYPE when they are set', async () => {
    const path = await manifest('agent_type: research\nmodules:\n  greeter: {}\n');
    const r = await run(path, 'greet', [], { AGENT_ID: 'research-01', AGENT_TYPE: 'research' });
    expect(JSON.parse(r.stdout[0]!).agent).toMatchObject({ id: 'research-01', type: 'research' });
  });

  it('names the instances of the module that could not be initialised', async () => {
    const path = await manifest(`
agent_type: research
modules:
  good:
    type: greeter
  broken:
    type: greeter
    optional: true
    config: { greeting: 7 }
`);
    const r = await run(path, 'greet');
    const seen = JSON.parse(r.stdout[0]!);
    expect(seen.instances.map((i: { key: string }) => i.key)).toEqual(['good']);
    expect(seen.unavailable).toEqual([
      { key: 'broken', error: expect.stringContaining('modules.broken.config.greeting') },
    ]);
  });

  it('runs the command of every module that contributes the word, and exits with the highest code', async () => {
    const path = await manifest('agent_type: research\nmodules:\n  greeter: {}\n  echoer: {}\n');
    const r = await run(path, 'greet', ['x']);
    expect(r.stdout.at(-1)).toBe('echoer greets');
    expect(r.stdout).toHaveLength(2);
    expect(r.code).toBe(5);
  });

  it('reports a command that throws in one redacted line, exit 1', async () => {
    const path = await manifest('agent_type: research\nmodules:\n  greeter: {}\n');
    const r = await run(path, 'boom');
    expect(r.code).toBe(1);
    expect(r.stderr).toEqual(["error: greeter's 'boom' failed: Error: exploded with <redacted-secret>"]);
  });

  it('says which commands the manifest offers when no module contributes the word', async () => {
    const path = await manifest('agent_type: research\nmodules:\n  greeter: {}\n  plain: {}\n');
    const r = await run(path, 'frobnicate');
    expect(r.code).toBe(1);
    expect(r.stdout).toEqual([]);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/^error: no module in .*agent\.yml provides the command 'frobnicate'/);
    expect(r.stderr[0]).toContain('its modules provide: boom, greet');
  });

  it('reports a manifest that cannot be loaded, exit 1', async () => {
    const path = await manifest('agent_type: research\nmodules:\n  nowhere: {}\n');
    const r = await run(path, 'greet');
    expect(r.code).toBe(1);
    expect(r.stderr.join('\n')).toContain("module package '@scoped-mcp/module-nowhere' is not installed");
  });
});
