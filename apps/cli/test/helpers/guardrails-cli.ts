import { join } from 'node:path';
import { childEnv } from './env.js';
import { manifestsDir } from './paths.js';
import { type CliRun, runCli } from './run-cli.js';

export const guardedManifest = join(manifestsDir, 'guarded-agent.yml');

/** What the manifest substitutes: the test's Redis and data directory. */
export function guardedEnv(dir: string, redisUrl: string): Record<string, string> {
  return { SCOPED_MCP_REDIS_URL: redisUrl, SCOPED_MCP_DATA_DIR: dir };
}

/** `scoped-mcp hitl --manifest guarded-agent.yml …`, as the operator runs it from another terminal. */
export function runHitl(args: readonly string[], dir: string, redisUrl: string): Promise<CliRun> {
  return runCli(['hitl', '--manifest', guardedManifest, ...args], {
    cwd: dir,
    env: childEnv(dir, guardedEnv(dir, redisUrl)),
  });
}

const APPROVAL_ID = /\(approval ID: ([a-z0-9][a-z0-9-]*\.[0-9a-f]{12})\)/;

/** The approval id an agent was told to hand to the operator; fails the test when there is none. */
export function approvalIdOf(text: string): string {
  const match = APPROVAL_ID.exec(text);
  if (!match?.[1]) throw new Error(`no approval id in: ${text}`);
  return match[1];
}
