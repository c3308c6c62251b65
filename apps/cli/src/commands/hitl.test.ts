import { type CommandOutcome, captureOutput } from '../__fixtures__/capture-output.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommon } from '../options.js';
import { hitlCommand } from './hitl.js';

// Argument handling and refusals that need no Redis; the approval flow itself runs against a real
// redis-server in packages/core/src/hitl/hitl-redis.test.ts, with this command in its own process.

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smcp-hitl-cli-'));
  const manifest = (state: Record<string, unknown>) =>
    JSON.stringify({
      agent_type: 'build',
      modules: { filesystem: { config: { base_path: './ws' } } },
      state_backend: state,
    });
  await writeFile(join(dir, 'local.json'), manifest({ type: 'in_process' }));
  // Valid, but nothing is installed next to it: the backend package cannot be found.
  await writeFile(
    join(dir, 'redis.json'),
    manifest({ type: 'redis', url: 'redis://:pw-Secret1@127.0.0.1:1' }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(...args: string[]): Promise<CommandOutcome> {
  return captureOutput(() => hitlCommand(parseCommon(args)));
}

describe('scoped-mcp hitl (no backend needed)', () => {
  it.each([
    [[]],
    [['frobnicate']],
    [['list', 'extra']],
    [['approve']],
    [['approve', 'agent-a.0123456789ab', 'extra']],
    [['show']],
    [['show', 'agent-a.0123456789ab', 'extra']],
    [['reject']],
  ])('prints the usage and exits 1 for %j', async (positionals) => {
    const r = await run('--manifest', join(dir, 'local.json'), ...positionals);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'usage: scoped-mcp hitl --manifest PATH list | show ID | approve ID | reject ID [REASON]',
    );
    expect(r.stdout).toBe('');
  });

  it('needs --manifest', async () => {
    const r = await run('list');
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toMatch(/^scoped-mcp hitl: --manifest PATH is required/);
  });

  it('exits 2 on a malformed id before reading anything, and echoes it escaped', async () => {
    const r = await run('--manifest', join(dir, 'does-not-exist.yml'), 'approve', 'x\u001b[31m.0123456789ab');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'error: malformed approval ID "x\\u001b[31m.0123456789ab" (expected <agent_id>.<12 hex digits>, as printed to the agent)\n',
    );
  });

  it('refuses an in-process state backend', async () => {
    const r = await run('--manifest', join(dir, 'local.json'), 'list');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: hitl needs a shared state backend (state_backend.type: redis) — approvals are written by this command, in another process\n',
    );
  });

  it('exits 1 when the Redis backend cannot be opened, without printing the URL password', async () => {
    // Either the backend package is not installed next to the CLI (the message says how to add it), or it
    // is and nothing listens on port 1.
    const r = await run('--manifest', join(dir, 'redis.json'), 'list');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).toMatch(/pnpm add @scoped-mcp\/state-redis|state_backend|state backend/);
    expect(r.stderr).not.toContain('pw-Secret1');
  }, 15_000);

  it('reports an unreadable manifest', async () => {
    const r = await run('--manifest', join(dir, 'missing.yml'), 'list');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Manifest file not found/);
  });
});
