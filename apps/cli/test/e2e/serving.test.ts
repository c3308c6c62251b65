import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUILD_TOOLS,
  BUILD_WRITE_TOOLS,
  RESEARCH_READ_TOOLS,
  STATUS_TOOL,
  sorted,
} from '../helpers/expected-tools.js';
import { cliVersion } from '../helpers/cli-version.js';
import { buildManifest, researchManifest } from '../helpers/paths.js';
import { type InMemoryAgent, startInMemoryAgent } from '../helpers/in-memory-agent.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const READ_TOOLS = new Set<string>([...RESEARCH_READ_TOOLS, STATUS_TOOL]);
const WRITE_TOOLS = new Set<string>(BUILD_WRITE_TOOLS);

describe.each([
  ['build-agent.yml', buildManifest, 'build', BUILD_TOOLS],
  ['research-agent.yml', researchManifest, 'research', RESEARCH_READ_TOOLS],
])('serving %s', (_name, manifest, agentType, expected) => {
  let dir: string;
  let agent: InMemoryAgent;
  let tools: Tool[];

  beforeAll(async () => {
    dir = await makeTempDir(`serve-${agentType}`);
    agent = await startInMemoryAgent({ manifest, dir, agentId: `${agentType}-01`, agentType });
    tools = (await agent.client.listTools()).tools;
  });
  afterAll(async () => {
    await agent?.close();
    await removeTempDir(dir);
  });

  it('tools/list gives exactly the manifest tools plus scoped_mcp_status', () => {
    expect(sorted(tools.map((t) => t.name))).toEqual(sorted([...expected, STATUS_TOOL]));
  });

  it('marks read tools readOnlyHint true and write tools false (and destructive)', () => {
    for (const tool of tools) {
      if (READ_TOOLS.has(tool.name)) {
        expect(tool.annotations?.readOnlyHint, tool.name).toBe(true);
        expect(tool.annotations?.destructiveHint, tool.name).not.toBe(true);
      } else {
        expect(WRITE_TOOLS.has(tool.name), tool.name).toBe(true);
        expect(tool.annotations?.readOnlyHint, tool.name).toBe(false);
      }
    }
    expect(tools.filter((t) => t.annotations?.readOnlyHint === false).length).toBe(
      expected.filter((name) => WRITE_TOOLS.has(name)).length,
    );
  });

  it('advertises an object inputSchema and a description for every tool', () => {
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe('object');
      expect(tool.description?.length ?? 0, tool.name).toBeGreaterThan(10);
    }
  });

  it('reports itself as scoped-mcp with the CLI version', () => {
    expect(agent.client.getServerVersion()).toMatchObject({ name: 'scoped-mcp', version: cliVersion });
    expect(agent.client.getServerCapabilities()?.tools).toBeDefined();
  });
});
