// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are manifest text with ${VAR} placeholders.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { captureOutput } from '../../src/__fixtures__/capture-output.js';
import { main } from '../../src/main.js';
import {
  environOf,
  type ProcessEntry,
  processTree,
  withoutGuards,
  type ProxyAgent,
  STDIO_UPSTREAM,
  startAgent,
  waitForTreeGone,
} from '../fixtures/upstreams/proxy-support.js';
import { manifestsDir } from '../helpers/paths.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const exampleManifest = join(manifestsDir, 'proxy-agent.yml');

// `scoped-mcp validate` run in this process (its main, output captured): these checks need no process.
describe('mcp_proxy config is checked when the manifest loads', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await makeTempDir('proxy-config');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  function validateManifest(path: string) {
    return captureOutput(async () => (await main(['validate', '--manifest', path])) ?? 0);
  }

  async function validate(config: Record<string, unknown>) {
    const path = join(dir, 'm.yml');
    await writeFile(
      path,
      JSON.stringify({ agent_type: 'proxy', modules: { up: { type: 'mcp_proxy', config } } }, null, 2),
    );
    const run = await validateManifest(path);
    return { code: run.code, output: `${run.stdout}${run.stderr}` };
  }

  it('neither url nor command', async () => {
    const { code, output } = await validate({ args: ['x'] });
    expect(code).toBe(1);
    expect(output).toContain("mcp_proxy requires either 'url' (HTTP) or 'command' (stdio)");
  });

  it('both url and command', async () => {
    const { code, output } = await validate({ url: 'http://127.0.0.1:9/mcp', command: 'node' });
    expect(code).toBe(1);
    expect(output).toMatch(/'url'.*'command'|'command'.*'url'/);
  });

  it('headers on a stdio upstream are an error (not silently ignored)', async () => {
    const { code, output } = await validate({ command: 'node', headers: { Authorization: 'Bearer x' } });
    expect(code).toBe(1);
    expect(output).toContain('headers');
  });

  it('stdio-only keys on an HTTP upstream are an error', async () => {
    const { code, output } = await validate({ url: 'http://127.0.0.1:9/mcp', env: { A: 'b' } });
    expect(code).toBe(1);
    expect(output).toContain('env');
  });

  it('an unknown key is an error', async () => {
    const { code, output } = await validate({ command: 'node', tool_allow_list: ['x'] });
    expect(code).toBe(1);
    expect(output).toContain('tool_allow_list');
  });

  it.each([
    ['pinning', { command: 'node', pinning: 'strict' }],
    ['roots', { command: 'node', roots: 'everything' }],
    ['call_timeout_seconds', { command: 'node', call_timeout_seconds: -1 }],
    ['max_response_bytes', { command: 'node', max_response_bytes: 0 }],
  ])('a bad %s is an error', async (key, config) => {
    const { code, output } = await validate(config);
    expect(code).toBe(1);
    expect(output).toContain(key);
  });

  it('an invalid url is refused without echoing it (it may carry credentials)', async () => {
    const { code, output } = await validate({ url: 'ftp://user:url-secret-93hf@example.invalid/mcp' });
    expect(code).toBe(1);
    expect(output).not.toContain('url-secret-93hf');
  });

  it('a header value from ${VAR} is not printed by validate', async () => {
    const path = join(dir, 'h.yml');
    await writeFile(
      path,
      JSON.stringify({
        agent_type: 'proxy',
        modules: {
          up: {
            type: 'mcp_proxy',
            config: { url: 'http://127.0.0.1:9/mcp', headers: { 'X-Key': '${HDR_SECRET}' } },
          },
        },
      }),
    );
    vi.stubEnv('HDR_SECRET', 'hdr-secret-x81');
    const run = await validateManifest(path);
    expect(run.code).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toContain('hdr-secret-x81');
  });

  it('a valid stdio config passes validate', async () => {
    const { code, output } = await validate({ command: process.execPath, args: [STDIO_UPSTREAM] });
    expect(output).toContain('OK');
    expect(code).toBe(0);
  });
});

describe('mcp_proxy paths are relative to the manifest, never the working directory', () => {
  let dir: string;
  let agent: ProxyAgent | undefined;

  beforeAll(async () => {
    dir = await makeTempDir('proxy-paths');
  });
  afterAll(async () => {
    await agent?.close();
    await removeTempDir(dir);
  });

  it('a relative command and cwd resolve against the manifest directory; the default cwd is that directory', async () => {
    const manifestDir = join(dir, 'manifests');
    const elsewhere = join(dir, 'agent-workspace');
    await mkdir(join(manifestDir, 'bin'), { recursive: true });
    await mkdir(join(manifestDir, 'work'), { recursive: true });
    await mkdir(elsewhere, { recursive: true });
    // A launcher script next to the manifest, as operators write them (the reference's run-*.sh pattern).
    const script = join(manifestDir, 'bin', 'upstream.sh');
    await writeFile(script, `#!/bin/sh\nexec '${process.execPath}' '${STDIO_UPSTREAM}' "$@"\n`);
    await chmod(script, 0o755);
    // A decoy with the same relative path under the working directory must not be the one run.
    await mkdir(join(elsewhere, 'bin'), { recursive: true });
    await writeFile(join(elsewhere, 'bin', 'upstream.sh'), '#!/bin/sh\nexit 7\n');
    await chmod(join(elsewhere, 'bin', 'upstream.sh'), 0o755);
    const manifest = join(manifestDir, 'paths.yml');
    await writeFile(
      manifest,
      JSON.stringify({
        agent_type: 'proxy',
        modules: {
          rel: {
            type: 'mcp_proxy',
            config: { command: './bin/upstream.sh', env: { FIXTURE_TOOLSET: 'echo' } },
          },
          wd: {
            type: 'mcp_proxy',
            config: { command: './bin/upstream.sh', cwd: './work', env: { FIXTURE_TOOLSET: 'echo' } },
          },
        },
      }),
    );
    agent = await startAgent({ manifest, dir, cwd: elsewhere });
    const rel = (await agent.call('rel_whoami')).json<{ cwd: string }>();
    const wd = (await agent.call('wd_whoami')).json<{ cwd: string }>();
    expect(rel.cwd).toBe(manifestDir);
    expect(wd.cwd).toBe(join(manifestDir, 'work'));
  });
});

describe('manifests/proxy-agent.yml (the example)', () => {
  let dir: string;
  let agent: ProxyAgent | undefined;
  let tree: ProcessEntry[] = [];

  beforeAll(async () => {
    dir = await makeTempDir('proxy-example');
  });
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it('validates', async () => {
    const run = await captureOutput(
      async () => (await main(['validate', '--manifest', exampleManifest])) ?? 0,
    );
    expect(run.code, run.stderr).toBe(0);
  });

  it('serves both upstreams from any working directory; each upstream got exactly its own env: credential', async () => {
    agent = await startAgent({
      manifest: exampleManifest,
      dir,
      env: { EVERYTHING_API_KEY: 'key-for-everything', REFERENCE_API_TOKEN: 'token-for-reference' },
    });
    const names = await agent.toolNames();
    expect(names).toEqual(
      expect.arrayContaining([
        'everything_echo',
        'reference_echo',
        'reference_get_sum',
        'reference_get_structured_content',
      ]),
    );
    expect(names.filter((n) => n.startsWith('reference_'))).toHaveLength(3);
    expect(names).not.toContain('everything_get_env');
    expect((await agent.call('everything_echo', { message: 'one' })).text).toBe('Echo: one');
    expect((await agent.call('reference_get_sum', { a: 1, b: 2 })).text).toBe('The sum of 1 and 2 is 3.');

    // The upstreams' environments, read from the process table (get-env is deliberately not offered).
    tree = await processTree(agent.pid);
    const environs = await Promise.all(
      withoutGuards(tree)
        .filter((p) => p.pid !== agent!.pid)
        .map((p) => environOf(p.pid)),
    );
    expect(environs).toHaveLength(2);
    const everything = environs.find((e) => 'EVERYTHING_API_KEY' in e);
    const reference = environs.find((e) => 'REFERENCE_API_TOKEN' in e);
    expect(everything?.EVERYTHING_API_KEY).toBe('key-for-everything');
    expect(everything).not.toHaveProperty('REFERENCE_API_TOKEN');
    expect(reference?.REFERENCE_API_TOKEN).toBe('token-for-reference');
    expect(reference).not.toHaveProperty('EVERYTHING_API_KEY');
    for (const env of environs) expect(env).not.toHaveProperty('AGENT_ID');

    agent.endStdin();
    await agent.exited;
    expect(await waitForTreeGone(tree, 3000)).toEqual([]);
  });
});
