import { randomUUID } from 'node:crypto';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { captureOutput } from '../../src/__fixtures__/capture-output.js';
import { main } from '../../src/main.js';
import { childEnv } from '../helpers/env.js';
import { buildManifest } from '../helpers/paths.js';
import { type CliRun, runCli } from '../helpers/run-cli.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

type Command = 'run' | 'validate';

interface BadInput {
  readonly name: string;
  /** Files to create, relative to the test directory (the manifest is `manifest.yml` unless `manifest` says). */
  readonly files?: (dir: string) => Record<string, string>;
  /** Manifest path relative to the test directory; `null` = no --manifest flag at all. */
  readonly manifest?: string | null;
  /** Absolute manifest path to use instead (e.g. a shipped example). */
  readonly manifestAbsolute?: string;
  readonly commands?: readonly Command[];
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Working directory relative to the test directory. Such a case runs the CLI as its own process (the
   * working directory is the point); the others run its main in this process, output captured.
   */
  readonly cwd?: string;
  /** Drop these variables from the environment. */
  readonly unset?: readonly string[];
  /** The one message: must occur exactly once in stderr. */
  readonly message: RegExp;
  /** Must also match stderr. */
  readonly also?: readonly RegExp[];
  /** Must not occur anywhere in stdout or stderr. */
  readonly absent?: readonly string[];
  /** Whether the message must name the manifest file. */
  readonly namesFile?: boolean;
  /** Files that must not exist afterwards (code that must never have run). */
  readonly neverCreated?: readonly string[];
}

/** `${NAME}` as written in a manifest. */
const ref = (name: string): string => `\${${name}}`;

const yamlCanary = `yaml-canary-${randomUUID()}`;
const valueCanary = `value-canary-${randomUUID()}`;

function markerModule(marker: string): string {
  return `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'imported');\nexport default {};\n`;
}

const CASES: BadInput[] = [
  {
    name: 'malformed YAML (no source text echoed)',
    files: () => ({
      'manifest.yml': `agent_type: build\nmodules:\n  filesystem:\n    config:\n      base_path: "/srv/${yamlCanary}\n  - broken: [\n`,
    }),
    message: /not valid YAML/,
    also: [/manifest\.yml:\d+:\d+/],
    absent: [yamlCanary, '/srv/'],
    namesFile: true,
  },
  {
    name: 'unknown top-level key',
    files: () => ({
      'manifest.yml':
        'agent_type: build\nextra_setting: 1\nmodules:\n  filesystem:\n    config: { base_path: ./f }\n',
    }),
    message: /extra_setting: unknown key/,
    namesFile: true,
  },
  {
    name: 'unknown nested key modules.filesystem.confg',
    files: () => ({
      'manifest.yml': 'agent_type: build\nmodules:\n  filesystem:\n    confg:\n      base_path: ./f\n',
    }),
    message: /modules\.filesystem\.confg: unknown key/,
    also: [/did you mean 'config'/],
    namesFile: true,
  },
  {
    name: 'wrong type modules.filesystem.mode: 5',
    files: () => ({
      'manifest.yml':
        'agent_type: build\nmodules:\n  filesystem:\n    mode: 5\n    config: { base_path: ./f }\n',
    }),
    message: /modules\.filesystem\.mode: /,
    also: [/read/],
    namesFile: true,
  },
  {
    name: 'missing module config db_dir',
    files: () => ({ 'manifest.yml': 'agent_type: build\nmodules:\n  sqlite:\n    config: {}\n' }),
    message: /modules\.sqlite\.config\.db_dir/,
    namesFile: true,
  },
  {
    name: 'two undefined environment variables, listed together',
    files: () => ({
      'manifest.yml':
        `agent_type: build\nmodules:\n  filesystem:\n    config: { base_path: "${ref('E2E_UNSET_ONE')}/f" }\n` +
        `  sqlite:\n    config: { db_dir: "${ref('E2E_UNSET_TWO')}" }\n`,
    }),
    message: /E2E_UNSET_ONE, E2E_UNSET_TWO/,
    namesFile: true,
  },
  {
    name: 'an invalid value substituted from an environment variable is not echoed',
    files: () => ({
      'manifest.yml': `agent_type: build\nmodules:\n  filesystem:\n    mode: "${ref('E2E_MODE')}"\n    config: { base_path: ./f }\n`,
    }),
    env: { E2E_MODE: valueCanary },
    message: /modules\.filesystem\.mode: /,
    absent: [valueCanary],
    namesFile: true,
  },
  {
    name: 'missing module package',
    files: () => ({
      'manifest.yml': 'agent_type: build\nmodules:\n  nope:\n    type: definitely_not_installed\n',
    }),
    message: /'@scoped-mcp\/module-definitely-not-installed' is not installed/,
    // No such first-party package exists, so the fix is not an install of it.
    also: [
      /'definitely_not_installed' is not a first-party module/,
      /fix: name a third-party module by its package/,
    ],
    namesFile: true,
  },
  {
    name: 'module whose peer range excludes the running core (never imported)',
    files: (dir) => ({
      'node_modules/@scoped-mcp/module-oldcore/package.json': JSON.stringify({
        name: '@scoped-mcp/module-oldcore',
        version: '1.0.0',
        type: 'module',
        main: 'index.js',
        keywords: ['scoped-mcp-module'],
        peerDependencies: { '@scoped-mcp/core': '^99.0.0' },
      }),
      'node_modules/@scoped-mcp/module-oldcore/index.js': markerModule(join(dir, 'oldcore-imported.marker')),
      'manifest.yml': 'agent_type: build\nmodules:\n  oldcore:\n    config: {}\n',
    }),
    message: /needs @scoped-mcp\/core \^99\.0\.0/,
    namesFile: true,
    neverCreated: ['oldcore-imported.marker'],
  },
  {
    name: 'module planted in the working directory is never loaded',
    files: (dir) => ({
      'cwd/node_modules/@scoped-mcp/module-planted/package.json': JSON.stringify({
        name: '@scoped-mcp/module-planted',
        version: '1.0.0',
        type: 'module',
        main: 'index.js',
        keywords: ['scoped-mcp-module'],
        peerDependencies: { '@scoped-mcp/core': '*' },
      }),
      'cwd/node_modules/@scoped-mcp/module-planted/index.js': markerModule(
        join(dir, 'planted-imported.marker'),
      ),
      'manifests/manifest.yml': 'agent_type: build\nmodules:\n  planted: {}\n',
    }),
    manifest: 'manifests/manifest.yml',
    cwd: 'cwd',
    message: /'@scoped-mcp\/module-planted' is not installed/,
    namesFile: true,
    neverCreated: ['planted-imported.marker'],
  },
  {
    name: 'missing AGENT_ID',
    manifestAbsolute: buildManifest,
    commands: ['run'],
    unset: ['AGENT_ID'],
    message: /not set: AGENT_ID\b/,
  },
  {
    name: 'invalid AGENT_ID ../escape',
    manifestAbsolute: buildManifest,
    commands: ['run'],
    env: { AGENT_ID: '../escape' },
    message: /AGENT_ID "\.\.\/escape" must be/,
  },
  {
    name: 'missing --manifest',
    manifest: null,
    message: /--manifest/,
  },
  {
    name: 'manifest file does not exist',
    manifest: 'no-such-manifest.yml',
    message: /not found/,
    namesFile: true,
  },
];

const RUNS = CASES.flatMap((testCase) =>
  (testCase.commands ?? (['run', 'validate'] as const)).map((command) => ({ ...testCase, command })),
);

/**
 * `scoped-mcp <command> …` in this process: main with the test's environment (every variable the case
 * sets or unsets; the rest of this process's environment cannot matter to a failing start), output
 * captured. Not one of these starts serving: each fails before it could touch stdin or stdout.
 */
async function runInProcess(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  unset: readonly string[],
) {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  for (const name of unset) vi.stubEnv(name, undefined);
  // The ops log of a failed `run` goes to a file: written to this process's stderr it would be noise.
  const opsLog = args[0] === 'run' ? ['--ops-log', join(env.HOME ?? '.', 'ops.jsonl')] : [];
  const outcome = await captureOutput(async () => (await main([...args, ...opsLog])) ?? 0);
  return {
    code: outcome.code,
    signal: null,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
  } satisfies CliRun;
}

describe('bad input', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it.each(RUNS)('$name: `$command` prints one clear message on stderr and exits 1', async (testCase) => {
    const dir = await makeTempDir('bad-input');
    try {
      for (const [path, content] of Object.entries(testCase.files?.(dir) ?? {})) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), content);
      }
      const manifest =
        testCase.manifestAbsolute ??
        (testCase.manifest === null ? undefined : join(dir, testCase.manifest ?? 'manifest.yml'));
      const env: Record<string, string> = childEnv(dir, {
        AGENT_ID: 'bad-input-1',
        AGENT_TYPE: 'build',
        SCOPED_MCP_DATA_DIR: join(dir, 'data'),
        ...testCase.env,
      });
      for (const name of testCase.unset ?? []) delete env[name];
      const args = [testCase.command, ...(manifest ? ['--manifest', manifest] : [])];
      const run: CliRun = testCase.cwd
        ? await runCli(args, { cwd: join(dir, testCase.cwd), env })
        : await runInProcess(args, env, testCase.unset ?? []);

      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout).toBe('');
      const matches = run.stderr.match(new RegExp(testCase.message.source, 'g')) ?? [];
      expect(matches, run.stderr).toHaveLength(1);
      for (const pattern of testCase.also ?? []) expect(run.stderr).toMatch(pattern);
      if (testCase.namesFile) expect(humanLines(run).join('\n')).toContain(manifest);
      // In this process a failed `run` writes its ops log to a file rather than stderr: checked alike.
      const opsLog = await readFile(join(dir, 'ops.jsonl'), 'utf8').catch(() => '');
      for (const text of testCase.absent ?? []) {
        expect(run.stderr).not.toContain(text);
        expect(run.stdout).not.toContain(text);
        expect(opsLog).not.toContain(text);
      }
      expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      for (const file of testCase.neverCreated ?? []) await expect(access(join(dir, file))).rejects.toThrow();
    } finally {
      await removeTempDir(dir);
    }
  });
});

/** stderr without the JSON ops lines `run` writes there when no --ops-log is given. */
function humanLines(run: CliRun): string[] {
  return run.stderr.split('\n').filter((line) => line.length > 0 && !line.startsWith('{'));
}
