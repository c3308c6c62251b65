import { resolve } from 'node:path';
import { errorMessage } from '@scoped-mcp/core';
import {
  approvalAgent,
  approvePending,
  coreVersion,
  type DecisionResult,
  escapeInvisible,
  listPendingApprovals,
  loadManifest,
  oneLineArguments,
  openStateBackend,
  operatorCommand,
  type PendingEntry,
  prettyArguments,
  rejectPending,
  showPending,
  type StateBackend,
} from '@scoped-mcp/core/runtime';
import type { CommonOptions } from '../options.js';
import { err, out } from '../output.js';
import { cliDir } from '../package-info.js';

const USAGE = 'usage: scoped-mcp hitl --manifest PATH list | show ID | approve ID | reject ID [REASON]';

/** Arguments longer than this (characters of canonical JSON) are not printed by `list`; it points to `show`. */
const LIST_ARGUMENTS_MAX_CHARS = 200;

/**
 * Exit codes: 0 done, 1 usage/manifest/backend problem, 2 malformed approval id, 3 no such pending approval,
 * 4 the approval does not record the full arguments it would run, so it cannot be approved.
 */
export async function hitlCommand(options: CommonOptions): Promise<number> {
  const [action, id, ...rest] = options.positionals;
  const shapeOk =
    (action === 'list' && id === undefined) ||
    ((action === 'show' || action === 'approve') && id !== undefined && rest.length === 0) ||
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

  // The operator's own path to the manifest, in the commands printed for them to run next.
  const manifestPath = resolve(options.manifest);
  let loaded: Awaited<ReturnType<typeof loadManifest>>;
  try {
    loaded = await loadManifest(manifestPath);
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

  let backend: StateBackend;
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
    if (action === 'list') return await list(backend, manifestPath);
    const approvalId = id as string;
    if (action === 'show') return await show(backend, approvalId, manifestPath);
    const result =
      action === 'approve'
        ? await approvePending(backend, approvalId)
        : await rejectPending(backend, approvalId, rest.length > 0 ? rest.join(' ') : undefined);
    return report(result, approvalId, manifestPath);
  } catch (error) {
    // Fail closed and say so: nothing was approved if the backend failed before the token was written.
    err(`error: state backend: ${errorMessage(error)}`);
    return 1;
  } finally {
    // The connection would keep the process alive.
    await backend.close().catch(() => undefined);
  }
}

/** Every pending approval, oldest first: a header line, then its arguments (or where to read them). */
async function list(backend: StateBackend, manifestPath: string): Promise<number> {
  const entries = await listPendingApprovals(backend);
  if (entries.length === 0) {
    out('(no pending approvals)');
    return 0;
  }
  for (const e of entries) {
    out(
      `${e.approval_id}  agent=${e.agent_id}  tool=${printable(e.tool)}  expires_in=${e.expires_in_seconds}s`,
    );
    out(`  ${listedArguments(e, manifestPath)}`);
  }
  return 0;
}

function listedArguments(e: PendingEntry, manifestPath: string): string {
  if (!e.reviewable || e.arguments === null) return `arguments: ${NOT_REVIEWABLE}`;
  const label = e.redacted_credentials ? 'arguments (credential values redacted)' : 'arguments';
  const text = oneLineArguments(e.arguments);
  if (text.length <= LIST_ARGUMENTS_MAX_CHARS) return `${label}: ${text}`;
  const bytes = Buffer.byteLength(e.arguments, 'utf8');
  return `${label}: ${bytes} bytes, too long to list; read them in full with: ${operatorCommand('show', e.approval_id, manifestPath)}`;
}

const NOT_REVIEWABLE =
  'not recorded in full (written by an older scoped-mcp, or not by scoped-mcp), so this approval cannot be approved; reject it, or let it expire';

/** One pending approval, everything the operator decides on: who, what, until when, and the exact arguments. */
async function show(backend: StateBackend, approvalId: string, manifestPath: string): Promise<number> {
  const result = await showPending(backend, approvalId);
  if (result.status !== 'found') return report(result, approvalId, manifestPath);
  const e = result.entry;
  const lines = [
    `approval:   ${e.approval_id}`,
    `agent:      ${e.agent_id} (${printable(e.agent_type)})`,
    `tool:       ${printable(e.tool)}`,
    `expires in: ${e.expires_in_seconds}s`,
  ];
  if (e.reviewable && e.arguments !== null) {
    lines.push(
      'arguments (canonical JSON; approving lets exactly this call run, once):',
      prettyArguments(e.arguments),
    );
    if (e.redacted_credentials) {
      lines.push(
        "credential values the agent's server holds are shown as <redacted-secret>; the call runs with the real values",
      );
    }
    lines.push('', `approve: ${operatorCommand('approve', e.approval_id, manifestPath)}`);
  } else {
    lines.push(`arguments: ${NOT_REVIEWABLE}`, '');
  }
  lines.push(`reject:  ${operatorCommand('reject', e.approval_id, manifestPath)} [REASON]`);
  out(lines.join('\n'));
  return 0;
}

function report(
  result: DecisionResult | { readonly status: 'not_found' | 'invalid_id' },
  id: string,
  manifestPath: string,
): number {
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
    case 'not_reviewable':
      err(
        `error: approval '${id}' does not record the full arguments it would run, so it cannot be approved; ` +
          `reject it (${operatorCommand('reject', id, manifestPath)}), or let it expire`,
      );
      return 4;
    default:
      err(`error: no pending approval with ID '${id}' (it may have expired or been decided already)`);
      return 3;
  }
}

/** State is shared with other processes: nothing read from it may drive the operator's terminal. */
function printable(text: string): string {
  return escapeInvisible(JSON.stringify(text).slice(1, -1));
}

/** The id came from a terminal paste: quoted, escaped and bounded before it is echoed. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
