import { join } from 'node:path';
import {
  IdentityError,
  type ModuleContext,
  ModuleConfigError,
  type PrefixScope,
  prefixScope,
  type ScopedFs,
  scopedFs,
} from '@scoped-mcp/core';
import type { FilesystemConfig } from './config.js';

export interface FilesystemState {
  readonly scope: PrefixScope;
  readonly files: ScopedFs;
  readonly maxReadBytes: number;
  readonly maxWriteBytes: number;
}

/** Creates (0700) and pins the agent's own directory, `{base_path}/agents/{agent_id}`. */
export async function createFilesystemState(ctx: ModuleContext<FilesystemConfig>): Promise<FilesystemState> {
  // A write_file call carries its content in one message, so a cap no message can reach promises a write
  // that can never arrive.
  const messageBytes = ctx.limits.max_message_bytes;
  if (ctx.config.max_write_bytes >= messageBytes) {
    throw new ModuleConfigError(
      `filesystem: config max_write_bytes (${ctx.config.max_write_bytes}) must be smaller than limits.max_message_bytes (${messageBytes}), the largest message a write_file call can arrive in`,
    );
  }
  const id = ctx.agent.id;
  // Core validates AGENT_ID at startup; this guards embedders that build an identity by hand.
  if (id === '' || id === '.' || id === '..' || /[/\\\0]/.test(id)) {
    throw new IdentityError('SMCP_IDENTITY_INVALID', `filesystem: agent id '${id}' cannot name a directory`);
  }
  const scope = await prefixScope(join(ctx.resolvePath(ctx.config.base_path), 'agents', id));
  return Object.freeze({
    scope,
    files: scopedFs(scope),
    maxReadBytes: ctx.config.max_read_bytes,
    maxWriteBytes: ctx.config.max_write_bytes,
  });
}
