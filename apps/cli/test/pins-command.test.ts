import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommandOutcome, captureOutput } from '../src/__fixtures__/capture-output.js';
import { main } from '../src/main.js';

// `pins update` in-process against server-everything (stdio): a command the CLI does not know itself, which
// the manifest's mcp_proxy module contributes. The module is found next to the CLI, as in production, so it
// must be built (the root test command builds first).

const everything = join(
  dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist/index.js',
);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smcp-pins-cli-'));
  const proxy = (config: Record<string, unknown>) => ({ type: 'mcp_proxy', config });
  await writeFile(
    join(dir, 'agent.json'),
    JSON.stringify({
      agent_type: 'research',
      modules: {
        everything: proxy({ command: process.execPath, args: [everything, 'stdio'], pinning: 'enforce' }),
        filesystem: { config: { base_path: './ws' } },
      },
    }),
  );
  await writeFile(
    join(dir, 'broken.json'),
    JSON.stringify({
      agent_type: 'research',
      modules: {
        everything: proxy({ command: process.execPath, args: [everything, 'stdio'] }),
        missing: proxy({ command: 'surely-not-a-command-xyz' }),
      },
    }),
  );
  await writeFile(
    join(dir, 'plain.json'),
    JSON.stringify({ agent_type: 'research', modules: { filesystem: { config: { base_path: './ws' } } } }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(...args: string[]): Promise<CommandOutcome> {
  return captureOutput(async () => (await main(['pins', ...args, '--ops-log', join(dir, 'ops.jsonl')])) ?? 0);
}

describe('scoped-mcp pins', () => {
  it.each([[[]], [['frobnicate']], [['update', 'extra']]])(
    'prints the usage and exits 1 for %j',
    async (positionals) => {
      const r = await run('--manifest', join(dir, 'agent.json'), ...positionals);
      expect(r).toMatchObject({ code: 1, stdout: '' });
      expect(r.stderr).toContain('usage: scoped-mcp pins update --manifest PATH');
    },
  );

  it('needs --manifest', async () => {
    const r = await run('update');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^scoped-mcp pins: --manifest PATH is required/);
  });

  it('records every upstream tool (conditional ones too) next to the manifest and prunes stale instances', async () => {
    const lockPath = join(dir, 'agent.pins.json');
    await writeFile(lockPath, JSON.stringify({ version: 1, instances: { removed_proxy: { tools: {} } } }));
    const r = await run('update', '--manifest', join(dir, 'agent.json'));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Pinned the tool definitions of 1 of 1 upstream\(s\) in .*agent\.pins\.json:\n/,
    );
    expect(r.stdout).toMatch(/ {2}everything {2}stdio {2}\d+ tools\n/);
    expect(r.stdout).toContain("removed 'removed_proxy'");
    const lock = JSON.parse(await readFile(lockPath, 'utf8')) as {
      instances: Record<string, { tools: Record<string, { sha256: string }> }>;
    };
    expect(Object.keys(lock.instances)).toEqual(['everything']);
    const tools = Object.keys(lock.instances.everything!.tools);
    expect(tools).toEqual(
      expect.arrayContaining(['echo', 'get-env', 'trigger-sampling-request', 'get-roots-list']),
    );
  });

  it('exits 1 naming an instance that could not be recorded, and still records the others', async () => {
    const r = await run('update', '--manifest', join(dir, 'broken.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: mcp_proxy 'missing' was not recorded: UpstreamStartError");
    expect(r.stdout).toContain('Pinned the tool definitions of 1 of 2 upstream(s)');
    const lock = JSON.parse(await readFile(join(dir, 'broken.pins.json'), 'utf8')) as {
      instances: Record<string, unknown>;
    };
    expect(Object.keys(lock.instances)).toEqual(['everything']);
  });

  it('exits 1 when no module of the manifest adds the command', async () => {
    const r = await run('update', '--manifest', join(dir, 'plain.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: no module in .*plain\.json provides the command 'pins'/);
  });
});
