import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCommand } from './install-command.js';

// The fix a message names must be the command that fits how this scoped-mcp was installed.
describe('installCommand', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'smcp-install-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [
      '/usr/lib/node_modules/@scoped-mcp/cli',
      'npm install -g @scoped-mcp/module-x   (next to this scoped-mcp, a global npm install)',
    ],
    [
      '/home/u/.nvm/versions/node/v24.1.0/lib/node_modules/@scoped-mcp/cli/',
      'npm install -g @scoped-mcp/module-x',
    ],
    [
      '/home/u/.local/share/pnpm/global/5/.pnpm/@scoped-mcp+cli@0.1.0/node_modules/@scoped-mcp/cli',
      'pnpm add -g @scoped-mcp/module-x   (next to this scoped-mcp, a global pnpm install)',
    ],
    ['/home/u/.config/yarn/global/node_modules/@scoped-mcp/cli', 'yarn global add @scoped-mcp/module-x'],
    [
      '/home/u/.npm/_npx/1a2b3c/node_modules/@scoped-mcp/cli',
      "npm install @scoped-mcp/module-x   in the manifest's directory (this scoped-mcp runs from npx's cache)",
    ],
    [
      '/work/repo/apps/cli',
      "pnpm add @scoped-mcp/module-x   (run it in the manifest's project, or next to the scoped-mcp CLI)",
    ],
  ])('%s', (cliDir, expected) => {
    expect(installCommand(['@scoped-mcp/module-x'], cliDir)).toContain(expected);
  });

  it("uses the project's own package manager, by its lockfile", async () => {
    for (const [lockfile, command] of [
      ['pnpm-lock.yaml', 'pnpm add'],
      ['yarn.lock', 'yarn add'],
      ['package-lock.json', 'npm install'],
    ] as const) {
      const project = join(dir, lockfile);
      await mkdir(project, { recursive: true });
      await writeFile(join(project, lockfile), '');
      expect(
        installCommand(['@scoped-mcp/module-x'], join(project, 'node_modules', '@scoped-mcp', 'cli')),
      ).toBe(
        `${command} @scoped-mcp/module-x   in ${project} (where this scoped-mcp is installed), or install it in the manifest's own project`,
      );
    }
  });
});
