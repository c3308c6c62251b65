import { readFileSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isScopedMcpError } from '@scoped-mcp/core';
import { assemble, ManifestError } from '@scoped-mcp/core/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TOOLS, RESEARCH_READ_TOOLS, sorted } from './helpers/expected-tools.js';
import { cliPackageDir, fixturesDir, manifestsDir } from './helpers/paths.js';
import { makeTempDir, removeTempDir } from './helpers/temp-dir.js';

// The manifests we ship and every manifest example of the reference's README load, as `scoped-mcp
// validate` loads them, and give the tool names the reference gives. Module loading and `${VAR}`
// substitution both decide those names.

interface ReadmeExample {
  readonly name: string;
  readonly readme_line: number;
  readonly env: Readonly<Record<string, string>>;
  readonly before?: readonly string[];
  readonly text: readonly string[];
  readonly edits?: readonly (readonly [string, string])[];
  readonly tools?: readonly string[];
  readonly discovered?: readonly string[];
  readonly values?: readonly (readonly [readonly (string | number)[], unknown])[];
  readonly warnings?: readonly string[];
  readonly refused?: readonly string[];
}

const README = JSON.parse(readFileSync(join(fixturesDir, 'reference-readme-examples.json'), 'utf8')) as {
  examples: ReadmeExample[];
};

const CORE_DIR = fileURLToPath(new URL('../../../packages/core/', import.meta.url));

// Modules of the README that this repository does not ship, with the reference's tool names and modes.
const STAND_INS: Readonly<Record<string, string>> = {
  redis: `{
  name: 'redis',
  description: 'Stand-in for the README redis module.',
  config: z.looseObject({}),
  tools: {
    get_key: defineTool({ mode: 'read', description: 'get', input: z.strictObject({}), handler: () => null }),
    set_key: defineTool({ mode: 'write', description: 'set', input: z.strictObject({}), handler: () => true }),
  },
}`,
};

let dir: string;
let standIns: string;

beforeAll(async () => {
  dir = await makeTempDir('reference-manifests');
  standIns = join(dir, 'stand-ins');
  await mkdir(join(standIns, 'node_modules', '@scoped-mcp'), { recursive: true });
  await symlink(CORE_DIR, join(standIns, 'node_modules', '@scoped-mcp', 'core'), 'dir');
  for (const [name, body] of Object.entries(STAND_INS)) {
    const pkg = join(standIns, 'node_modules', '@scoped-mcp', `module-${name}`);
    await mkdir(pkg);
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: `@scoped-mcp/module-${name}`,
        version: '1.0.0',
        type: 'module',
        keywords: ['scoped-mcp-module'],
        exports: { '.': './index.mjs' },
        peerDependencies: { '@scoped-mcp/core': '*' },
      }),
    );
    await writeFile(
      join(pkg, 'index.mjs'),
      `import { defineModule, defineTool, z } from '@scoped-mcp/core';\nexport default defineModule(${body});\n`,
    );
  }
});

afterAll(async () => {
  await removeTempDir(dir);
});

function load(manifestPath: string, env: Readonly<Record<string, string>>) {
  return assemble({
    manifestPath,
    env: { ...env },
    cliDir: cliPackageDir,
    modulesFrom: [standIns],
    credentialsAsWarnings: true,
  });
}

/** Instances whose tools are discovered at start (mcp_proxy): `validate` lists them as `<key>_*`. */
function discovered(assembly: Awaited<ReturnType<typeof assemble>>): string[] {
  return assembly.instances.filter((i) => i.module?.dynamicTools && !i.failure).map((i) => i.key);
}

describe('the manifests we ship', () => {
  it.each([
    ['research-agent.yml', RESEARCH_READ_TOOLS, []],
    ['build-agent.yml', BUILD_TOOLS, []],
    ['guarded-agent.yml', BUILD_TOOLS, []],
    ['proxy-agent.yml', [], ['everything', 'reference']],
    [
      'ops-infra-agent.yml',
      [
        'grafana_create_alert_rule',
        'grafana_create_dashboard',
        'grafana_delete_dashboard',
        'grafana_get_dashboard',
        'grafana_list_dashboards',
        'grafana_list_datasources',
        'grafana_query_datasource',
        'grafana_update_dashboard',
        'influxdb_create_bucket',
        'influxdb_delete_points',
        'influxdb_get_schema',
        'influxdb_list_measurements',
        'influxdb_query',
        'influxdb_write_points',
        'ntfy_send',
      ],
      [],
    ],
    [
      'ops-agent.yml',
      [
        'filesystem_delete_file',
        'filesystem_list_dir',
        'filesystem_read_file',
        'filesystem_write_file',
        'ntfy_send',
      ],
      [],
    ],
  ] as const)('%s gives its tools', async (file, tools, dynamic) => {
    const assembly = await load(join(manifestsDir, file), {});
    expect(sorted(assembly.toolNames)).toEqual(sorted(tools));
    expect(discovered(assembly)).toEqual(dynamic);
  });
});

// Every module of the reference (spec §3), installed here as its own package, with the reference's tool
// names and modes: a manifest written for the Python scoped-mcp gives the same tools.
const REFERENCE_MODULES = `agent_type: everything
modules:
  filesystem:
    mode: MODE
    config: { base_path: ./data }
  sqlite:
    mode: MODE
    config: { db_dir: ./db }
  ntfy:
    mode: MODE
  smtp:
    mode: MODE
    config: { from_address: agent@example.com, allowed_recipients: [ops@example.com] }
  matrix:
    mode: MODE
    config: { allowed_rooms: ["!room:example.com"] }
  slack_webhook:
    mode: MODE
  discord_webhook:
    mode: MODE
  http_proxy:
    mode: MODE
    config: { allowed_services: [{ name: api, base_url: "https://api.example.com" }] }
  grafana:
    mode: MODE
    config: { allowed_datasources: [InfluxDB] }
  influxdb:
    mode: MODE
    config: { org: ops, buckets: [metrics] }
`;

const REFERENCE_READ_TOOLS = [
  'filesystem_list_dir',
  'filesystem_read_file',
  'grafana_get_dashboard',
  'grafana_list_dashboards',
  'grafana_list_datasources',
  'grafana_query_datasource',
  'http_proxy_get',
  'influxdb_get_schema',
  'influxdb_list_measurements',
  'influxdb_query',
  'sqlite_list_tables',
  'sqlite_query',
];

const REFERENCE_WRITE_ONLY_TOOLS = [
  'discord_webhook_send',
  'filesystem_delete_file',
  'filesystem_write_file',
  'grafana_create_alert_rule',
  'grafana_create_dashboard',
  'grafana_delete_dashboard',
  'grafana_update_dashboard',
  'http_proxy_delete',
  'http_proxy_post',
  'http_proxy_put',
  'influxdb_create_bucket',
  'influxdb_delete_points',
  'influxdb_write_points',
  'matrix_send',
  'ntfy_send',
  'slack_webhook_send',
  'smtp_send',
  'sqlite_create_table',
  'sqlite_execute',
];

describe('every module of the reference', () => {
  it.each([
    ['write', [...REFERENCE_READ_TOOLS, ...REFERENCE_WRITE_ONLY_TOOLS]],
    ['read', REFERENCE_READ_TOOLS],
  ] as const)('in %s mode gives the reference tool names', async (mode, tools) => {
    const path = join(dir, `reference-modules-${mode}.yml`);
    await writeFile(path, REFERENCE_MODULES.replaceAll('MODE', mode));
    const assembly = await load(path, {});
    expect(assembly.instances.filter((i) => i.failure).map((i) => i.key)).toEqual([]);
    expect(sorted(assembly.toolNames)).toEqual(sorted(tools));
  });
});

describe('the manifest examples of the reference README', () => {
  it('has them all (the fixture holds the examples with their README lines)', () => {
    expect(README.examples.map((e) => e.readme_line)).toEqual([218, 218, 278, 323, 417, 530]);
  });

  for (const example of README.examples) {
    it(`${example.name} (README line ${example.readme_line})`, async () => {
      let text = example.text.join('\n');
      for (const [from, to] of example.edits ?? []) {
        expect(text).toContain(from);
        text = text.replace(from, to);
      }
      const path = join(dir, `readme-${example.readme_line}-${README.examples.indexOf(example)}.yml`);
      await writeFile(path, `${[...(example.before ?? []), text].join('\n')}\n`);

      if (example.refused) {
        const error = await load(path, example.env).then(
          () => undefined,
          (caught: unknown) => caught,
        );
        expect(isScopedMcpError(error) && error instanceof ManifestError).toBe(true);
        expect((error as ManifestError).issues).toEqual(example.refused);
        return;
      }
      const assembly = await load(path, example.env);
      expect(assembly.toolNames).toEqual(example.tools ?? []);
      expect(discovered(assembly)).toEqual(example.discovered ?? []);
      for (const [at, value] of example.values ?? []) {
        expect(at.reduce<unknown>((node, key) => (node as never)?.[key], assembly.manifest.manifest)).toEqual(
          value,
        );
      }
      if (example.warnings) expect(assembly.manifest.warnings).toEqual(example.warnings);
    });
  }
});
