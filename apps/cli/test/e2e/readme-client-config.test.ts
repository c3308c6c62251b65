import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESEARCH_READ_TOOLS, STATUS_TOOL, sorted } from '../helpers/expected-tools.js';
import { cliBin, repoRoot, requireBuiltCli } from '../helpers/paths.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

interface ServerEntry {
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/** The JSON block of README's "Use it with Claude Code" section: the one a user copies. */
async function readmeClientConfig(): Promise<{ text: string; servers: Record<string, ServerEntry> }> {
  const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it with Claude Code'));
  const match = /```json\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 3)));
  if (!match?.[1]) throw new Error("README.md: no ```json block under 'Use it with Claude Code'");
  const parsed = JSON.parse(match[1]) as { mcpServers: Record<string, ServerEntry> };
  return { text: match[1], servers: parsed.mcpServers };
}

/** The MCP Inspector's own launcher, as `npx @modelcontextprotocol/inspector` runs it. */
function inspectorBin(): string {
  const require = createRequire(import.meta.url);
  const manifestPath = require.resolve('@modelcontextprotocol/inspector/package.json');
  const { bin } = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    bin: Record<string, string>;
  };
  return join(dirname(manifestPath), bin.inspector ?? bin['mcp-inspector'] ?? '');
}

function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// What a user does: install globally (npm links <prefix>/bin/scoped-mcp to the package's bin file), put
// README's JSON in the project, and start the server from it as an MCP client would. The Inspector reads
// the file itself and spawns exactly its command, args and env.
describe("README's Claude Code config, run by the MCP Inspector", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('readme-config');
  });
  afterEach(async () => {
    await removeTempDir(dir);
  });

  it('starts scoped-mcp from PATH and lists the manifest’s tools', { timeout: 90_000 }, async () => {
    requireBuiltCli();
    const { text, servers } = await readmeClientConfig();
    const [name, entry] = Object.entries(servers)[0] ?? [];
    expect(name).toBeDefined();
    const manifestArg = entry!.args![entry!.args!.indexOf('--manifest') + 1]!;

    const project = join(dir, 'project');
    await mkdir(join(project, dirname(manifestArg)), { recursive: true });
    await copyFile(join(repoRoot, manifestArg), join(project, manifestArg));
    await writeFile(join(project, '.mcp.json'), text);
    const globalBin = join(dir, 'prefix', 'bin');
    await mkdir(globalBin, { recursive: true });
    await symlink(cliBin, join(globalBin, entry!.command));

    const result = await run(
      process.execPath,
      [inspectorBin(), '--cli', '--config', '.mcp.json', '--server', name!, '--method', 'tools/list'],
      {
        cwd: project,
        env: {
          // Node's own directory stands for wherever the user's node is; nothing else of the suite's PATH.
          PATH: [globalBin, dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter),
          HOME: dir,
          MCP_INSPECTOR_SECRET_STORE: 'memory',
        },
      },
    );
    expect(result.stderr).not.toMatch(/ENOENT/);
    expect(result.code, result.stderr).toBe(0);
    const { tools } = JSON.parse(result.stdout) as { tools: { name: string }[] };
    expect(sorted(tools.map((t) => t.name))).toEqual(sorted([...RESEARCH_READ_TOOLS, STATUS_TOOL]));
  });
});
