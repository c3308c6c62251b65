import { resolve } from 'node:path';
import { errorMessage } from '@scoped-mcp/core';
import {
  approvalAgent,
  approvePending,
  coreVersion,
  type DecisionResult,
  listPendingApprovals,
  loadManifest,
  openStateBackend,
  rejectPending,
} from '@scoped-mcp/core/runtime';
import type { CommonOptions } from '../options.js';
import { err, out } from '../output.js';
import { cliDir } from '../package-info.js';

const USAGE = 'usage: scoped-mcp hitl --manifest PATH list | approve ID | reject ID [REASON]';

/** Exit codes: 0 done, 1 usage/manifest/backend problem, 2 malformed approval id, 3 no such pending approval. */
export async function hitlCommand(options: CommonOptions): Promise<number> {
  const [action, id, ...rest] = options.positionals;
  const shapeOk =
    (action === 'list' && id === undefined) ||
    (action === 'approve' && id !== undefined && rest.length === 0) ||
    (action === 'reject' && id !== undefined);
  if (!shapeOk || !options.manifest) {
    err(options.manifest ? USAGE : `scoped-mcp hitl: --manifest PATH is required\n${USAGE}`);
    return 1;
  }
  if (id !== undefined && approvalAgent(id) === undefined) {
    err(
      `error: malformed approval ID ${quote(id)} (expected <agent_id>.<12 hex digits>, as printed to the agent)`,
    );
    return 2;
  }

  let loaded: Awaited<ReturnType<typeof loadManifest>>;
  try {
    loaded = await loadManifest(resolve(options.manifest));
  } catch (error) {
    err(`error: ${errorMessage(error)}`);
    return 1;
  }
  const config = loaded.manifest.state_backend;
  if (config.type === 'in_process') {
    err(
      'error: hitl needs a shared state backend (state_backend.type: redis) — approvals are written by this command, in another process',
    );
    return 1;
  }

  let backend: Awaited<ReturnType<typeof openStateBackend>>;
  try {
    backend = await openStateBackend(config, {
      bases: [loaded.dir, cliDir, ...options.modulesFrom.map((d) => resolve(d))],
      coreVersion: coreVersion(),
    });
  } catch (error) {
    err(`error: ${errorMessage(error)}`);
    return 1;
  }
  try {
    if (action === 'list') return await list(backend);
    const approvalId = id as string;
    const result =
      action === 'approve'
        ? await approvePending(backend, approvalId)
        : await rejectPending(backend, approvalId, rest.length > 0 ? rest.join(' ') : undefined);
    return report(result, approvalId);
  } catch (error) {
    // Fail closed and say so: nothing was approved if the backend failed before the token was written.
    err(`error: state backend: ${errorMessage(error)}`);
    return 1;
  } finally {
    // The connection would keep the process alive.
    await backend.close().catch(() => undefined);
  }
}

async function list(backend: Parameters<typeof listPendingApprovals>[0]): Promise<number> {
  const entries = await listPendingApprovals(backend);
  if (entries.length === 0) {
    out('(no pending approvals)');
    return 0;
  }
  for (const e of entries) {
    out(
      `${e.approval_id}  agent=${e.agent_id}  tool=${printable(e.tool)}  expires_in=${e.expires_in_seconds}s`,
    );
  }
  return 0;
}

function report(result: DecisionResult, id: string): number {
  switch (result.status) {
    case 'approved':
      out(`approved: ${id}`);
      return 0;
    case 'rejected':
      out(`rejected: ${id}`);
      return 0;
    case 'invalid_id':
      err(`error: malformed approval ID ${quote(id)} (expected <agent_id>.<12 hex digits>)`);
      return 2;
    default:
      err(`error: no pending approval with ID '${id}' (it may have expired or been decided already)`);
      return 3;
  }
}

/** State is shared with other processes: nothing read from it may drive the operator's terminal. */
function printable(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** The id came from a terminal paste: quoted, escaped and bounded before it is echoed. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
