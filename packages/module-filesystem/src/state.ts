import { join } from 'node:path';
import {
  type CoreLimits,
  directoryProblem,
  IdentityError,
  type ModuleCheckContext,
  type ModuleContext,
  ModuleConfigError,
  type PrefixScope,
  prefixScope,
  type ScopedFs,
  type StaleTempSweep,
  scopedFs,
} from '@scoped-mcp/core';
import type { FilesystemConfig } from './config.js';

export interface FilesystemState {
  readonly scope: PrefixScope;
  readonly files: ScopedFs;
  readonly maxReadBytes: number;
  readonly maxWriteBytes: number;
  readonly maxListEntries: number;
  /** The start-up sweep of temp files left by killed writes; settles when it is done (undefined: failed). */
  readonly tempSweep: Promise<StaleTempSweep | undefined>;
  /** Stops the sweep if it still runs (teardown). */
  readonly stopSweep: () => void;
}

/**
 * A temp file untouched this long is the remains of a killed write. A younger one may be a write in flight
 * in another process of the same agent (several sessions, one directory); it stays hidden until a later
 * start. Writes are capped far below what takes seconds, so the margin is for clock skew on shared disks.
 */
export const STALE_TEMP_AGE_MS = 5 * 60_000;

/**
 * Directory entries the start-up sweep looks at, at most: about 100 ms on a local disk, in the background.
 * Breadth-first, so the shallow levels, where most writes land, come first; a temp file beyond the budget
 * stays hidden from the agent and is reached when the tree is smaller.
 */
export const TEMP_SWEEP_MAX_ENTRIES = 100_000;

/**
 * What `setup` would refuse, found by looking only (`scoped-mcp validate`): a write cap no message can carry,
 * and an agents directory under base_path that this user cannot create or use.
 */
export async function checkFilesystemConfig(ctx: ModuleCheckContext<FilesystemConfig>): Promise<string[]> {
  const problems: string[] = [];
  const cap = writeCapProblem(ctx.config, ctx.limits);
  if (cap) problems.push(cap);
  const agents = await directoryProblem(join(ctx.resolvePath(ctx.config.base_path), 'agents'));
  if (agents) problems.push(`config base_path: ${agents}`);
  return problems;
}

/**
 * A write_file call carries its content in one message, so a cap no message can reach promises a write that
 * can never arrive.
 */
function writeCapProblem(config: FilesystemConfig, limits: CoreLimits): string | undefined {
  const messageBytes = limits.max_message_bytes;
  return config.max_write_bytes >= messageBytes
    ? `config max_write_bytes (${config.max_write_bytes}) must be smaller than limits.max_message_bytes (${messageBytes}), the largest message a write_file call can arrive in`
    : undefined;
}

/** Creates (0700) and pins the agent's own directory, `{base_path}/agents/{agent_id}`. */
export async function createFilesystemState(ctx: ModuleContext<FilesystemConfig>): Promise<FilesystemState> {
  const cap = writeCapProblem(ctx.config, ctx.limits);
  if (cap) throw new ModuleConfigError(`filesystem: ${cap}`);
  const id = ctx.agent.id;
  // Core validates AGENT_ID at startup; this guards embedders that build an identity by hand.
  if (id === '' || id === '.' || id === '..' || /[/\\\0]/.test(id)) {
    throw new IdentityError('SMCP_IDENTITY_INVALID', `filesystem: agent id '${id}' cannot name a directory`);
  }
  const scope = await prefixScope(join(ctx.resolvePath(ctx.config.base_path), 'agents', id));
  const files = scopedFs(scope);
  const sweeping = new AbortController();
  const sweepStarted = performance.now();
  // Not awaited: startup does not wait for a large tree; the temp files are hidden from the agent meanwhile.
  const tempSweep = files
    .removeStaleTempFiles({
      olderThanMs: STALE_TEMP_AGE_MS,
      maxEntries: TEMP_SWEEP_MAX_ENTRIES,
      signal: sweeping.signal,
    })
    .then(
      (sweep) => {
        const { removed, entries, complete } = sweep;
        ctx.log.info(
          {
            instance: ctx.instance,
            removed: removed.length,
            examples: removed.slice(0, 5),
            entries,
            complete,
            elapsed_ms: Math.round(performance.now() - sweepStarted),
          },
          'filesystem_stale_temp_files',
        );
        return sweep;
      },
      (error: unknown) => {
        if (!sweeping.signal.aborted) {
          ctx.log.warn(
            { instance: ctx.instance, error: String(error) },
            'filesystem_stale_temp_files_failed',
          );
        }
        return undefined;
      },
    );
  return Object.freeze({
    scope,
    files,
    maxReadBytes: ctx.config.max_read_bytes,
    maxWriteBytes: ctx.config.max_write_bytes,
    maxListEntries: ctx.config.max_list_entries,
    tempSweep,
    stopSweep: () => sweeping.abort(),
  });
}
