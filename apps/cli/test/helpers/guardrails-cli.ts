import { join } from 'node:path';
import { readErrorMeta } from '@scoped-mcp/core';
import { expect } from 'vitest';
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

/**
 * The approval id an agent was told to hand to the operator, as its program reads it (`_meta`); the text
 * must name the same one. Fails the test when there is none.
 */
export function approvalIdOf(outcome: { readonly text: string; readonly raw: unknown }): string {
  const id = readErrorMeta(outcome.raw)?.approval_id;
  if (!id) throw new Error(`no approval id in: ${outcome.text}`);
  expect(APPROVAL_ID.exec(outcome.text)?.[1]).toBe(id);
  return id;
}
