import { describe, expect, it } from 'vitest';
import { agentState } from '../state/agent-state.js';
import { memoryState } from './__fixtures__/memory-state.js';
import { argsHash } from './approval-arguments.js';
import { createApprovalStore, TOKEN_TTL_SECONDS } from './approvals.js';
import {
  approvePending,
  cleanReason,
  listPendingApprovals,
  MAX_REASON_LENGTH,
  operatorCommand,
  rejectPending,
  showPending,
} from './operator.js';

const HASH = argsHash({ path: 'a.txt' });
const ARGUMENTS = '{"path":"a.txt"}';

async function openFor(
  mem: ReturnType<typeof memoryState>,
  agentId: string,
  tool = 'fs_write_file',
  hash = HASH,
) {
  const store = createApprovalStore(agentState(mem.backend, agentId), mem.now);
  const { record } = await store.openApproval({
    tool,
    argsHash: hash,
    agentId,
    agentType: 'build',
    arguments: ARGUMENTS,
    redactedCredentials: false,
    timeoutSeconds: 300,
  });
  return { store, record };
}

describe('listPendingApprovals', () => {
  it('is empty when nothing waits', async () => {
    expect(await listPendingApprovals(memoryState().backend)).toEqual([]);
  });

  it('lists every agent’s pending approvals, oldest first, with the time left', async () => {
    const mem = memoryState();
    const first = await openFor(mem, 'agent-a');
    mem.advance(10_000);
    const second = await openFor(mem, 'agent-b', 'db_query');
    const entries = await listPendingApprovals(mem.backend, { now: mem.now });
    expect(entries.map((e) => [e.approval_id, e.agent_id, e.tool, e.expires_in_seconds])).toEqual([
      [first.record.approval_id, 'agent-a', 'fs_write_file', 290],
      [second.record.approval_id, 'agent-b', 'db_query', 300],
    ]);
    expect(entries[0]).toMatchObject({ arguments: ARGUMENTS, redacted_credentials: false, reviewable: true });
  });

  it('uses the reference key layout scoped-mcp:{agent}:hitl:{approval_id}', async () => {
    const mem = memoryState();
    const { record } = await openFor(mem, 'agent-a');
    expect(await mem.backend.keys('*:hitl:agent-a.*')).toEqual([
      `scoped-mcp:agent-a:hitl:${record.approval_id}`,
    ]);
  });

  it('skips tokens, rejections, foreign values and records filed under the wrong agent', async () => {
    const mem = memoryState();
    const b = mem.backend;
    const { record } = await openFor(mem, 'agent-a');
    await approvePending(b, record.approval_id);
    await b.set('scoped-mcp:agent-a:hitl:agent-a.0123456789ab', 'not json', 60_000);
    await b.set('scoped-mcp:agent-a:hitl:agent-a.aaaaaaaaaaaa', JSON.stringify({ tool: 'x' }), 60_000);
    // A record copied under another agent's key claims an id that key does not own.
    const forged = { ...record, approval_id: 'agent-a.bbbbbbbbbbbb' };
    await b.set('scoped-mcp:agent-b:hitl:agent-a.bbbbbbbbbbbb', JSON.stringify(forged), 60_000);
    await b.set('other:agent-a:hitl:agent-a.cccccccccccc', JSON.stringify(record), 60_000);
    expect(await listPendingApprovals(b)).toEqual([]);
  });

  it('drops approvals whose window has passed', async () => {
    const mem = memoryState();
    await openFor(mem, 'agent-a');
    mem.advance(300_000);
    expect(await listPendingApprovals(mem.backend, { now: mem.now })).toEqual([]);
  });
});

describe('approvePending', () => {
  it('turns the pending record into a one-time token for the exact (tool, arguments)', async () => {
    const mem = memoryState();
    const { store, record } = await openFor(mem, 'agent-a');
    const result = await approvePending(mem.backend, record.approval_id, { now: mem.now });
    expect(result).toEqual({ status: 'approved', record });
    const tokenKey = `scoped-mcp:agent-a:hitl:preapproved:fs_write_file:${HASH}`;
    expect(JSON.parse((await mem.backend.get(tokenKey)) as string)).toMatchObject({
      status: 'approved',
      approval_id: record.approval_id,
    });
    expect(await mem.backend.keys('scoped-mcp:agent-a:hitl:agent-a.*')).toEqual([]);
    expect(await store.consumeApproval('fs_write_file', argsHash({ path: 'b.txt' }))).toBeUndefined();
    expect(await store.consumeApproval('fs_write_other', HASH)).toBeUndefined();
    expect(await store.consumeApproval('fs_write_file', HASH)).toEqual({ approvalId: record.approval_id });
    expect(await store.consumeApproval('fs_write_file', HASH)).toBeUndefined();
  });

  it('gives the agent TOKEN_TTL_SECONDS from the moment of approval, even at the end of the window', async () => {
    const mem = memoryState();
    const { store, record } = await openFor(mem, 'agent-a');
    mem.advance(299_000);
    expect((await approvePending(mem.backend, record.approval_id)).status).toBe('approved');
    mem.advance(TOKEN_TTL_SECONDS * 1000 - 1000);
    expect(await store.consumeApproval('fs_write_file', HASH)).toBeDefined();
  });

  it('lets an unused token expire', async () => {
    const mem = memoryState();
    const { store, record } = await openFor(mem, 'agent-a');
    await approvePending(mem.backend, record.approval_id);
    mem.advance(TOKEN_TTL_SECONDS * 1000);
    expect(await store.consumeApproval('fs_write_file', HASH)).toBeUndefined();
  });

  it('cannot approve after the pending window has passed', async () => {
    const mem = memoryState();
    const { record } = await openFor(mem, 'agent-a');
    mem.advance(300_000);
    expect(await approvePending(mem.backend, record.approval_id)).toEqual({ status: 'not_found' });
    expect(await mem.backend.keys('*preapproved*')).toEqual([]);
  });

  it('decides once: a second approval, or a concurrent one, finds nothing', async () => {
    const mem = memoryState();
    const { record } = await openFor(mem, 'agent-a');
    const results = await Promise.all([
      approvePending(mem.backend, record.approval_id),
      approvePending(mem.backend, record.approval_id),
      rejectPending(mem.backend, record.approval_id),
    ]);
    // approve reads the record before it takes it (to refuse one it could not show), so the reject may be
    // first to take it: exactly one command decides, whichever it is.
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 'not_found')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'approved' || s === 'rejected')).toHaveLength(1);
    const tokens = await mem.backend.keys('*preapproved*');
    expect(tokens).toHaveLength(statuses.includes('approved') ? 1 : 0);
    expect((await approvePending(mem.backend, record.approval_id)).status).toBe('not_found');

    const two = await openFor(mem, 'agent-a', 'fs_write_two');
    const approvals = await Promise.all([
      approvePending(mem.backend, two.record.approval_id),
      approvePending(mem.backend, two.record.approval_id),
    ]);
    expect(approvals.map((r) => r.status).sort()).toEqual(['approved', 'not_found']);
  });

  it.each(['', 'agent-a', 'agent-a.xyz', 'agent-a.0123456789ab:x', '*.0123456789ab', 'AGENT.0123456789ab'])(
    'refuses the malformed id %j without touching the backend',
    async (id) => {
      const mem = memoryState();
      await openFor(mem, 'agent-a');
      const before = (await mem.backend.keys('*')).sort();
      expect(await approvePending(mem.backend, id)).toEqual({ status: 'invalid_id' });
      expect(await rejectPending(mem.backend, id)).toEqual({ status: 'invalid_id' });
      expect((await mem.backend.keys('*')).sort()).toEqual(before);
    },
  );

  it('ignores a record stored under an id that names another approval', async () => {
    const mem = memoryState();
    const { record } = await openFor(mem, 'agent-a');
    await mem.backend.set('scoped-mcp:agent-a:hitl:agent-a.000000000000', JSON.stringify(record), 60_000);
    expect(await approvePending(mem.backend, 'agent-a.000000000000')).toEqual({ status: 'not_found' });
    expect(await mem.backend.keys('*preapproved*')).toEqual([]);
  });

  it('only ever writes inside the agent named by the id', async () => {
    const mem = memoryState();
    const { record } = await openFor(mem, 'agent-a');
    await openFor(mem, 'agent-b');
    await approvePending(mem.backend, record.approval_id);
    expect(await mem.backend.keys('scoped-mcp:agent-b:hitl:preapproved:*')).toEqual([]);
    expect(await mem.backend.keys('scoped-mcp:agent-a:hitl:preapproved:*')).toHaveLength(1);
  });
});

describe('approvePending: only what the operator could read', () => {
  /** A record as an older version wrote it: a sanitised summary, no full arguments. */
  async function legacyRecord(mem: ReturnType<typeof memoryState>): Promise<string> {
    const { record } = await openFor(mem, 'agent-a');
    const { arguments: _full, redacted_credentials: _flag, ...rest } = record;
    const legacy = { ...rest, arguments_summary: { path: 'a.txt' } };
    await mem.backend.set(`scoped-mcp:agent-a:hitl:${record.approval_id}`, JSON.stringify(legacy), 60_000);
    return record.approval_id;
  }

  it('refuses a record that does not carry the full arguments, and leaves it pending for a rejection', async () => {
    const mem = memoryState();
    const id = await legacyRecord(mem);
    const result = await approvePending(mem.backend, id);
    expect(result).toMatchObject({ status: 'not_reviewable', record: { approval_id: id, arguments: null } });
    expect(await mem.backend.keys('*preapproved*')).toEqual([]);
    const [listed] = await listPendingApprovals(mem.backend);
    expect(listed).toMatchObject({ approval_id: id, reviewable: false });
    expect((await rejectPending(mem.backend, id)).status).toBe('rejected');
  });

  it('refuses a record whose arguments are not the ones its hash binds', async () => {
    const mem = memoryState();
    const { record } = await openFor(mem, 'agent-a');
    const forged = { ...record, arguments: '{"path":"harmless.txt"}' };
    await mem.backend.set(`scoped-mcp:agent-a:hitl:${record.approval_id}`, JSON.stringify(forged), 60_000);
    expect((await approvePending(mem.backend, record.approval_id)).status).toBe('not_reviewable');
    expect(await mem.backend.keys('*preapproved*')).toEqual([]);
  });
});

describe('showPending', () => {
  it('reads one approval without deciding it', async () => {
    const mem = memoryState();
    const { record } = await openFor(mem, 'agent-a');
    mem.advance(5_000);
    expect(await showPending(mem.backend, record.approval_id, { now: mem.now })).toEqual({
      status: 'found',
      entry: { ...record, expires_in_seconds: 295, reviewable: true },
    });
    expect((await approvePending(mem.backend, record.approval_id)).status).toBe('approved');
    expect(await showPending(mem.backend, record.approval_id)).toEqual({ status: 'not_found' });
  });

  it('refuses a malformed id and a record filed under another agent', async () => {
    const mem = memoryState();
    const { record } = await openFor(mem, 'agent-a');
    expect(await showPending(mem.backend, 'agent-a.xyz')).toEqual({ status: 'invalid_id' });
    await mem.backend.set('scoped-mcp:agent-b:hitl:agent-b.0123456789ab', JSON.stringify(record), 60_000);
    expect(await showPending(mem.backend, 'agent-b.0123456789ab')).toEqual({ status: 'not_found' });
  });
});

describe('operatorCommand', () => {
  it('prints the command as the operator types it, the manifest path quoted for a shell when needed', () => {
    const id = 'agent-a.0123456789ab';
    expect(operatorCommand('approve', id, '/srv/m/build-agent.yml')).toBe(
      `scoped-mcp hitl --manifest /srv/m/build-agent.yml approve ${id}`,
    );
    expect(operatorCommand('show', id, "/srv/my agents/$HOME/it's.yml")).toBe(
      `scoped-mcp hitl --manifest '/srv/my agents/$HOME/it'\\''s.yml' show ${id}`,
    );
  });

  it('names a placeholder when the path is unknown or cannot be printed on one line', () => {
    for (const path of [undefined, '', '/srv/a\nb.yml', '/srv/\u202eb.yml']) {
      expect(operatorCommand('reject', 'a.0123456789ab', path)).toBe(
        "scoped-mcp hitl --manifest <the agent's manifest> reject a.0123456789ab",
      );
    }
  });
});

describe('rejectPending', () => {
  it('removes the pending record, writes no token, and keeps the cleaned reason for one retry', async () => {
    const mem = memoryState();
    const { store, record } = await openFor(mem, 'agent-a');
    expect(await rejectPending(mem.backend, record.approval_id, 'not\nnow,  please')).toEqual({
      status: 'rejected',
      record,
    });
    expect(await mem.backend.keys('*preapproved*')).toEqual([]);
    expect(await listPendingApprovals(mem.backend)).toEqual([]);
    expect(await store.consumeApproval('fs_write_file', HASH)).toBeUndefined();
    expect(await store.consumeRejection('fs_write_file', HASH)).toMatchObject({
      approval_id: record.approval_id,
      reason: 'not now, please',
    });
    expect(await store.consumeRejection('fs_write_file', HASH)).toBeUndefined();
  });

  it('works without a reason', async () => {
    const mem = memoryState();
    const { store, record } = await openFor(mem, 'agent-a');
    await rejectPending(mem.backend, record.approval_id);
    const rejection = await store.consumeRejection('fs_write_file', HASH);
    expect(rejection?.approval_id).toBe(record.approval_id);
    expect(rejection?.reason).toBeUndefined();
  });
});

describe('cleanReason', () => {
  it('makes one bounded line without control or line-separator characters', () => {
    expect(cleanReason(' a\r\nb\u0000c\u2028d\u001b[31m ')).toBe('a b c d [31m');
    const long = cleanReason('x'.repeat(1000));
    expect(Array.from(long)).toHaveLength(MAX_REASON_LENGTH);
    expect(long.endsWith('…')).toBe(true);
  });
});
