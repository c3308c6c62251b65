import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AnyToolDefinition,
  isScopedMcpModule,
  MODULE_NAME_PATTERN,
  type ScopedMcpModule,
  TOOL_KEY_PATTERN,
  type ToolSet,
} from '@scoped-mcp/core';
import { MODULE_KEYWORD, STATUS_TOOL } from '@scoped-mcp/core/runtime';
import { describe, expect, it } from 'vitest';
import { createModuleHarness, type HarnessOptions, type ModuleHarness } from './harness.js';

export interface ConformanceOptions {
  /** A config the module accepts. */
  readonly config: unknown;
  readonly credentials?: Readonly<Record<string, string>>;
  /** The package directory: its package.json is checked (name, keyword, exports, files, peer on core). */
  readonly packageDir?: string;
  /**
   * Also require a README.md in `packageDir` (npm shows it as the package's page). Off by default: a
   * module kept inside an application has no package page.
   */
  readonly readme?: boolean;
  readonly manifestDir?: string;
}

/** One check of the suite: `describeModuleConformance` runs each as a test; a test may run one directly. */
export interface ConformanceCheck {
  readonly name: string;
  run(): Promise<void>;
}

const MCP_TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** The checks every module package runs (`describeModuleConformance(module, {...})` in one test file). */
export function describeModuleConformance(module: ScopedMcpModule, options: ConformanceOptions): void {
  describe(`module conformance: ${module.name}`, () => {
    for (const check of conformanceChecks(module, options)) it(check.name, check.run);
  });
}

/** The suite's checks, in order; `packageDir` adds the package checks. */
export function conformanceChecks(module: ScopedMcpModule, options: ConformanceOptions): ConformanceCheck[] {
  const checks: ConformanceCheck[] = [
    { name: 'is a branded module with a snake_case name and tool keys', run: async () => checkNames(module) },
    {
      name: 'describes every tool, dynamic ones included, with a mode, a description and an object input schema',
      run: () => checkDescriptions(module, options),
    },
    { name: 'rejects unknown config keys', run: async () => checkUnknownConfigKeys(module, options) },
    {
      name: 'registers only read tools in read mode, dynamic ones included, and every tool otherwise',
      run: () => checkReadMode(module, options),
    },
  ];
  if (options.packageDir) {
    const dir = options.packageDir;
    checks.push({
      name: options.readme ? 'has a publishable package.json and a README' : 'has a publishable package.json',
      run: async () => checkPackage(module, dir, options.readme === true),
    });
  }
  return checks;
}

function checkNames(module: ScopedMcpModule): void {
  expect(isScopedMcpModule(module)).toBe(true);
  expect(module.name).toMatch(MODULE_NAME_PATTERN);
  expect(module.description.length).toBeGreaterThan(10);
  for (const key of Object.keys(module.tools)) expect(key).toMatch(TOOL_KEY_PATTERN);
}

async function checkDescriptions(module: ScopedMcpModule, options: ConformanceOptions): Promise<void> {
  const opened = await open(module, options);
  try {
    for (const [key, tool] of Object.entries(module.tools)) {
      expect(['read', 'write'], key).toContain(tool.mode);
      expect(tool.description.length, key).toBeGreaterThan(10);
    }
    // An upstream's tools are described by the upstream: only their shape is the module's to get right.
    for (const [key, tool] of opened.dynamic) {
      expect(['read', 'write'], key).toContain(tool.mode);
      expect(typeof tool.description, key).toBe('string');
    }
    // What clients see: an object schema for every tool (a proxy advertises its upstream's own schema).
    const advertised = opened.harness.runtime.list().filter((tool) => tool.name !== STATUS_TOOL);
    expect(advertised.length).toBe(served(opened).length);
    for (const tool of advertised) expect(tool.inputSchema.type, tool.name).toBe('object');
  } finally {
    await opened.harness.close();
  }
}

function checkUnknownConfigKeys(module: ScopedMcpModule, options: ConformanceOptions): void {
  const base = typeof options.config === 'object' && options.config !== null ? options.config : {};
  expect(module.config.safeParse({ ...base, surely_not_a_key: 1 }).success).toBe(false);
}

/**
 * A read-mode instance serves read tools only: each one declared `read` by the module and not declaring
 * itself a writer through its hints (`readOnlyHint: false`, `destructiveHint: true`), which core would
 * otherwise override with read-only hints. It serves exactly the read tools of a write-mode instance,
 * which serves every static tool.
 */
async function checkReadMode(module: ScopedMcpModule, options: ConformanceOptions): Promise<void> {
  const reader = await open(module, { ...options, mode: 'read' });
  const writer = await open(module, options);
  try {
    const readerTools = served(reader);
    const writerTools = served(writer);
    if (module.dynamicTools) {
      expect(writer.dynamic.size, 'the config must give dynamic tools to check').toBeGreaterThan(0);
    }
    for (const { key, name } of readerTools) {
      const definition = module.tools[key] ?? reader.dynamic.get(key);
      expect(definition, name).toBeDefined();
      expect(writes(definition!), `${name} is a write tool served in read mode`).toBe(false);
    }
    const readOnly = writerTools
      .filter(({ key }) => !writes((module.tools[key] ?? writer.dynamic.get(key))!))
      .map(({ name }) => name);
    expect(
      readerTools.map(({ name }) => name).sort(),
      'a read-mode instance serves the read tools of a write-mode instance',
    ).toEqual(readOnly.sort());
    const staticNames = Object.keys(module.tools).map((key) => `${writer.instance}_${key}`);
    expect(writerTools.map(({ name }) => name)).toEqual(expect.arrayContaining(staticNames));
    for (const { name } of writerTools) expect(name).toMatch(MCP_TOOL_NAME);
  } finally {
    await reader.harness.close();
    await writer.harness.close();
  }
}

function checkPackage(module: ScopedMcpModule, dir: string, readme: boolean): void {
  const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
  const name = String(json.name);
  const suffix = name.replace(/^@scoped-mcp\/module-/, '').replace(/^(@[^/]+\/)?scoped-mcp-module-/, '');
  expect(suffix.replaceAll('-', '_')).toBe(module.name);
  expect(json.keywords).toContain(MODULE_KEYWORD);
  expect(json.type).toBe('module');
  const exportsMap = json.exports as Record<string, Record<string, string>>;
  expect(exportsMap['.']?.types).toBeTruthy();
  expect(json.files).toBeInstanceOf(Array);
  const peers = json.peerDependencies as Record<string, string> | undefined;
  expect(peers?.['@scoped-mcp/core']).toBeTruthy();
  expect((json.dependencies as Record<string, string> | undefined)?.['@scoped-mcp/core']).toBeUndefined();
  if (readme) expect(existsSync(join(dir, 'README.md')), `${dir}/README.md`).toBe(true);
}

interface Opened {
  readonly harness: ModuleHarness;
  readonly instance: string;
  /** The dynamic tools the module returned to this instance, last listing wins. */
  readonly dynamic: ReadonlyMap<string, AnyToolDefinition>;
}

/** A started harness whose module reports what its `dynamicTools` returned (core keeps only what it serves). */
async function open(
  module: ScopedMcpModule,
  options: ConformanceOptions & Pick<HarnessOptions, 'mode'>,
): Promise<Opened> {
  const dynamic = new Map<string, AnyToolDefinition>();
  const listed = module.dynamicTools;
  const watched: ScopedMcpModule = listed
    ? {
        ...module,
        dynamicTools: (state: unknown): ToolSet => {
          const tools = listed.call(module, state);
          for (const [key, tool] of Object.entries(tools)) dynamic.set(key, tool);
          return tools;
        },
      }
    : module;
  const harness = await createModuleHarness(watched, {
    config: options.config,
    credentials: options.credentials,
    manifestDir: options.manifestDir,
    ...(options.mode ? { mode: options.mode } : {}),
  });
  return { harness, instance: module.name, dynamic };
}

function served(opened: Opened): { key: string; name: string }[] {
  return (opened.harness.runtime.instances[0]?.tools ?? []).map(({ key, name }) => ({ key, name }));
}

function writes(tool: AnyToolDefinition): boolean {
  return (
    tool.mode !== 'read' ||
    tool.annotations?.readOnlyHint === false ||
    tool.annotations?.destructiveHint === true
  );
}
