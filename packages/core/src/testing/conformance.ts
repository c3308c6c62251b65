import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MODULE_KEYWORD } from '../loader/load-modules.js';
import { isScopedMcpModule, MODULE_NAME_PATTERN, TOOL_KEY_PATTERN } from '../module/define.js';
import type { ScopedMcpModule } from '../module/types.js';
import { createModuleHarness, type HarnessOptions } from './harness.js';

export interface ConformanceOptions {
  /** A config the module accepts. */
  readonly config: unknown;
  readonly credentials?: Readonly<Record<string, string>>;
  /** The package directory, to check package.json shape and README. */
  readonly packageDir?: string;
  readonly manifestDir?: string;
}

const MCP_TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** The checks every module package runs (`describeModuleConformance(module, {...})` in one test file). */
export function describeModuleConformance(module: ScopedMcpModule, options: ConformanceOptions): void {
  const harnessOptions: HarnessOptions = {
    config: options.config,
    credentials: options.credentials,
    manifestDir: options.manifestDir,
  };
  describe(`module conformance: ${module.name}`, () => {
    it('is a branded module with a snake_case name and tool keys', () => {
      expect(isScopedMcpModule(module)).toBe(true);
      expect(module.name).toMatch(MODULE_NAME_PATTERN);
      expect(module.description.length).toBeGreaterThan(10);
      for (const key of Object.keys(module.tools)) expect(key).toMatch(TOOL_KEY_PATTERN);
    });

    it('describes every tool with a mode, a description and an object input schema', () => {
      for (const [key, tool] of Object.entries(module.tools)) {
        expect(['read', 'write'], key).toContain(tool.mode);
        expect(tool.description.length, key).toBeGreaterThan(10);
        const schema = z.toJSONSchema(tool.input, { io: 'input', unrepresentable: 'any' }) as {
          type?: string;
        };
        expect(schema.type, key).toBe('object');
      }
    });

    it('rejects unknown config keys', () => {
      const base = typeof options.config === 'object' && options.config !== null ? options.config : {};
      expect((module.config as z.ZodType).safeParse({ ...base, surely_not_a_key: 1 }).success).toBe(false);
    });

    it('registers only read tools in read mode, and every tool otherwise', async () => {
      const reader = await createModuleHarness(module, { ...harnessOptions, mode: 'read' });
      const writer = await createModuleHarness(module, harnessOptions);
      try {
        const readKeys = Object.entries(module.tools)
          .filter(([, t]) => t.mode === 'read')
          .map(([k]) => k);
        expect([...reader.toolNames].sort()).toEqual(readKeys.map((k) => `${module.name}_${k}`).sort());
        expect(writer.toolNames.length).toBe(Object.keys(module.tools).length);
        for (const name of writer.toolNames) expect(name).toMatch(MCP_TOOL_NAME);
      } finally {
        await reader.close();
        await writer.close();
      }
    });

    if (options.packageDir) {
      const dir = options.packageDir;
      it('has a publishable package.json and a README', () => {
        const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
        const name = String(json.name);
        const suffix = name
          .replace(/^@scoped-mcp\/module-/, '')
          .replace(/^(@[^/]+\/)?scoped-mcp-module-/, '');
        expect(suffix.replaceAll('-', '_')).toBe(module.name);
        expect(json.keywords).toContain(MODULE_KEYWORD);
        expect(json.type).toBe('module');
        const exportsMap = json.exports as Record<string, Record<string, string>>;
        expect(exportsMap['.']?.types).toBeTruthy();
        expect(json.files).toBeInstanceOf(Array);
        const peers = json.peerDependencies as Record<string, string> | undefined;
        expect(peers?.['@scoped-mcp/core']).toBeTruthy();
        expect(
          (json.dependencies as Record<string, string> | undefined)?.['@scoped-mcp/core'],
        ).toBeUndefined();
        expect(existsSync(join(dir, 'README.md'))).toBe(true);
      });
    }
  });
}
