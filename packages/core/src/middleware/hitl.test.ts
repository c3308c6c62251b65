import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/codes.js';
import { readErrorMeta } from '../errors/error-meta.js';
import { GATED_TOOL_NAMES, gatedModule } from '../hitl/__fixtures__/gated-module.js';
import { brokenState, memoryState } from '../hitl/__fixtures__/memory-state.js';
import { startNotifyServer } from '../hitl/__fixtures__/notify-server.js';
import { TOKEN_TTL_SECONDS } from '../hitl/approvals.js';
import type { HitlNotification, Notifier } from '../hitl/notify.js';
import { approvePending, listPendingApprovals, rejectPending } from '../hitl/operator.js';
import type { HitlConfig } from '../manifest/schema.js';
import { createSanitizer } from '../redact/sanitize.js';
import { createSecretRedactor, redactSecretsInValue } from '../redact/secrets.js';
import { canonicalJson } from '../shared/canonical-json.js';
import { agentState } from '../state/agent-state.js';
import { inProcessState } from '../state/in-process.js';
import type { StateBackend } from '../state/types.js';
import { captureLogger, createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { createHitlMiddleware, SHADOW_RESULT } from './hitl.js';

const PASSWORD = 'hunter2-Correct-Horse';
const MANIFEST = '/srv/scoped-mcp/build.yml';
const APPROVAL_MESSAGE =
  /^Tool call to 'ops_write_file' requires operator approval \(approval ID: (agent-a\.[0-9a-f]{12})\)\. Ask the operator to run: scoped-mcp hitl --manifest \/srv\/scoped-mcp\/build\.yml approve \1 — then retry this exact tool call with the same arguments within 120 seconds\.$/;
const HEX40 = 'da39a3ee5e6b4b0d3255bfef95601890afd80709';

function hitlConfig(overrides: Partial<HitlConfig> = {}): HitlConfig {
  return {
    approval_required: ['ops_write_*'],
    shadow: ['ops_drop_*'],
    timeout_seconds: 300,
    notify: { type: 'log' },
    mode: 'enforce',
    signing: { mode: 'off' },
    max_argument_bytes: 65_536,
    ...overrides,
  };
}

interface Setup {
  readonly harness: ModuleHarness;
  readonly calls: string[];
  readonly audit: Record<string, unknown>[];
  readonly sent: HitlNotification[];
  readonly warnings: string[];
}

const harnesses: ModuleHarness[] = [];
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function setup(
  raw: StateBackend,
  options: {
    agentId?: string;
    config?: HitlConfig;
    notifier?: Notifier | null;
    /** Credential values the agent's server holds. */
    secrets?: readonly string[];
    /** Absent: the middleware is not told where the manifest is. */
    manifestPath?: string | null;
  } = {},
): Promise<Setup> {
  const agentId = options.agentId ?? 'agent-a';
  const calls: string[] = [];
  const audit: Record<string, unknown>[] = [];
  const sent: HitlNotification[] = [];
  const notifier: Notifier | undefined =
    options.notifier === null
      ? undefined
      : (options.notifier ?? {
          type: 'webhook',
          notify: async (n) => {
            sent.push(n);
          },
        });
  const secrets = options.secrets ?? [];
  const redactor = createSecretRedactor(secrets);
  const manifestPath = options.manifestPath === undefined ? MANIFEST : options.manifestPath;
  const { middleware, warnings } = createHitlMiddleware({
    config: options.config ?? hitlConfig(),
    state: agentState(raw, agentId),
    audit: captureLogger('audit', audit),
    agent: { id: agentId, type: 'build', sessionId: 'session' },
    sanitize: createSanitizer({ secrets }).sanitize,
    redactCredentials: (value) => redactSecretsInValue(value, redactor),
    toolNames: GATED_TOOL_NAMES,
    ...(manifestPath !== null ? { manifestPath } : {}),
    ...(notifier ? { notifier } : {}),
  });
  const harness = await createModuleHarness(gatedModule(calls), {
    agentId,
    agentType: 'build',
    middleware: [middleware],
  });
  harnesses.push(harness);
  return { harness, calls, audit, sent, warnings };
}

/** The approval id as the agent's program reads it, from `_meta`; the text must name the same one. */
function approvalIdOf(
  result: { readonly text: string; readonly raw: unknown },
  tool = 'ops_write_file',
  wording: 'requires' | 'any' = 'requires',
): string {
  const meta = readErrorMeta(result.raw);
  const id = meta?.approval_id;
  if (meta?.code !== ErrorCode.hitlApprovalRequired || !id) {
    throw new Error(`not an approval-required result: ${result.text}`);
  }
  let text = result.text.replace(`'${tool}'`, "'ops_write_file'");
  if (wording === 'any') text = text.replace('is still waiting for operator', 'requires operator');
  expect(APPROVAL_MESSAGE.exec(text)?.[1]).toBe(id);
  return id;
}

async function allValues(raw: StateBackend): Promise<string> {
  const keys = await raw.keys('*');
  return (await Promise.all(keys.map(async (k) => `${k}=${await raw.get(k)}`))).join('\n');
}

describe('hitl middleware: pass-through and shadow', () => {
  it('leaves tools matched by neither list alone, without touching state', async () => {
    const { harness, calls, audit } = await setup(brokenState());
    const r = await harness.call('read_file', { path: 'a.txt' });
    expect(r.isError).toBe(false);
    expect(calls).toEqual(['read_file a.txt']);
    expect(audit).toEqual([]);
  });

  it('answers a shadowed tool with the synthetic success and never runs it', async () => {
    const { harness, calls, audit } = await setup(memoryState().backend);
    const r = await harness.call('drop_table', { name: 'users', password: PASSWORD });
    expect(r.isError).toBe(false);
    expect(r.json()).toEqual(SHADOW_RESULT);
    expect(calls).toEqual([]);
    expect(audit).toEqual([
      expect.objectContaining({
        event: 'hitl_shadowed',
        level: 'warn',
        tool: 'ops_drop_table',
        arguments_summary: { name: 'users', password: '<redacted>' },
      }),
    ]);
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
    expect(JSON.stringify(harness.audit)).not.toContain(PASSWORD);
  });

  it('lets shadow win over approval_required', async () => {
    const mem = memoryState();
    const { harness, calls } = await setup(mem.backend, {
      config: hitlConfig({ approval_required: ['ops_*'], shadow: ['ops_write_file'] }),
    });
    expect((await harness.call('write_file', { path: 'a' })).json()).toEqual(SHADOW_RESULT);
    expect(calls).toEqual([]);
    expect(await mem.backend.keys('*')).toEqual([]);
  });
});

describe('hitl middleware: reject-then-wait', () => {
  it('refuses the first call with an approval id, records it, and notifies once', async () => {
    const mem = memoryState();
    const { harness, calls, audit, sent } = await setup(mem.backend);
    const r = await harness.call('write_file', { path: 'a.txt', text: 'hi' });
    expect(r.isError).toBe(true);
    const id = approvalIdOf(r);
    expect(calls).toEqual([]);
    expect(harness.audit.at(-1)).toMatchObject({
      event: 'tool_error',
      error_code: ErrorCode.hitlApprovalRequired,
    });
    const pending = await listPendingApprovals(mem.backend, { now: mem.now });
    expect(pending).toEqual([
      expect.objectContaining({
        approval_id: id,
        tool: 'ops_write_file',
        agent_id: 'agent-a',
        agent_type: 'build',
        arguments: '{"path":"a.txt","text":"hi"}',
        redacted_credentials: false,
        timeout_seconds: 300,
        expires_in_seconds: 300,
      }),
    ]);
    expect(audit).toEqual([
      expect.objectContaining({
        event: 'hitl_approval_pending',
        approval_id: id,
        tool: 'ops_write_file',
        arguments_summary: { path: 'a.txt', text: 'hi' },
        timeout_seconds: 300,
      }),
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ approval_id: id, tool: 'ops_write_file', agent_type: 'build' });
    expect(sent[0]?.message).toContain(`Approve: scoped-mcp hitl --manifest ${MANIFEST} approve ${id}`);
    expect(sent[0]?.message).toContain(`scoped-mcp hitl --manifest ${MANIFEST} show ${id}`);
  });

  it('runs the retry after approval exactly once, then asks again with a new id', async () => {
    const mem = memoryState();
    const { harness, calls, audit } = await setup(mem.backend);
    const id = approvalIdOf(await harness.call('write_file', { path: 'a.txt' }));
    expect((await approvePending(mem.backend, id)).status).toBe('approved');

    const retry = await harness.call('write_file', { path: 'a.txt' });
    expect(retry).toMatchObject({ isError: false, text: 'wrote a.txt' });
    expect(calls).toEqual(['write_file a.txt']);
    expect(audit.at(-1)).toMatchObject({
      event: 'hitl_preapproved',
      approval_id: id,
      tool: 'ops_write_file',
    });

    const again = await harness.call('write_file', { path: 'a.txt' });
    expect(again.isError).toBe(true);
    expect(approvalIdOf(again)).not.toBe(id);
    expect(calls).toEqual(['write_file a.txt']);
  });

  it('binds the approval to the exact arguments: other arguments need their own', async () => {
    const mem = memoryState();
    const { harness, calls } = await setup(mem.backend);
    const id = approvalIdOf(await harness.call('write_file', { path: 'a.txt', text: 'safe' }));
    await approvePending(mem.backend, id);

    for (const args of [
      { path: 'b.txt', text: 'safe' },
      { path: 'a.txt', text: 'rm -rf /' },
      { path: 'a.txt', text: 'safe', password: 'x' },
    ]) {
      const r = await harness.call('write_file', args);
      expect(r.isError).toBe(true);
      expect(approvalIdOf(r)).not.toBe(id);
    }
    expect(calls).toEqual([]);
    // The token was not spent by the other calls; key order does not matter.
    expect((await harness.call('write_file', { text: 'safe', path: 'a.txt' })).text).toBe('wrote a.txt');
    expect(calls).toEqual(['write_file a.txt']);
  });

  it('treats an omitted default and the explicit default as the same call', async () => {
    const mem = memoryState();
    const { harness, calls } = await setup(mem.backend);
    const id = approvalIdOf(await harness.call('write_file', { path: 'a.txt' }));
    await approvePending(mem.backend, id);
    expect((await harness.call('write_file', { path: 'a.txt', text: '' })).isError).toBe(false);
    expect(calls).toEqual(['write_file a.txt']);
  });

  it('does not let a token for one tool approve another', async () => {
    const mem = memoryState();
    const { harness, calls } = await setup(mem.backend, {
      config: hitlConfig({ approval_required: ['ops_*'], shadow: [] }),
    });
    const id = approvalIdOf(await harness.call('write_file', { path: 'a.txt' }));
    await approvePending(mem.backend, id);
    const r = await harness.call('read_file', { path: 'a.txt' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain("Tool call to 'ops_read_file' requires operator approval");
    expect(calls).toEqual([]);
  });

  it('does not let one agent use another agent’s approval', async () => {
    const mem = memoryState();
    const a = await setup(mem.backend, { agentId: 'agent-a' });
    const b = await setup(mem.backend, { agentId: 'agent-b' });
    const id = approvalIdOf(await a.harness.call('write_file', { path: 'a.txt' }));
    await approvePending(mem.backend, id);
    const r = await b.harness.call('write_file', { path: 'a.txt' });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/approval ID: agent-b\.[0-9a-f]{12}/);
    expect(b.calls).toEqual([]);
    expect((await a.harness.call('write_file', { path: 'a.txt' })).isError).toBe(false);
  });

  it('reuses the open approval while the operator has not decided, without paging again', async () => {
    const mem = memoryState();
    const { harness, sent, audit } = await setup(mem.backend);
    const id = approvalIdOf(await harness.call('write_file', { path: 'a.txt' }));
    mem.advance(60_000);
    const r = await harness.call('write_file', { path: 'a.txt' });
    expect(r.text).toBe(
      `Tool call to 'ops_write_file' is still waiting for operator approval (approval ID: ${id}). ` +
        `Ask the operator to run: scoped-mcp hitl --manifest ${MANIFEST} approve ${id} — then retry this exact tool call with the same arguments within 120 seconds.`,
    );
    expect(sent).toHaveLength(1);
    expect(audit.at(-1)).toMatchObject({ event: 'hitl_approval_still_pending', approval_id: id });
    expect(await listPendingApprovals(mem.backend)).toHaveLength(1);
  });

  it('lets a pending approval expire: approve then fails, and the next call gets a new id', async () => {
    const mem = memoryState();
    const { harness, calls, sent } = await setup(mem.backend, { config: hitlConfig({ timeout_seconds: 5 }) });
    const id = approvalIdOf(await harness.call('write_file', { path: 'a.txt' }));
    mem.advance(5_000);
    expect(await approvePending(mem.backend, id)).toEqual({ status: 'not_found' });
    const r = await harness.call('write_file', { path: 'a.txt' });
    expect(approvalIdOf(r)).not.toBe(id);
    expect(sent).toHaveLength(2);
    expect(calls).toEqual([]);
  });

  it('lets an unused approval expire after TOKEN_TTL_SECONDS', async () => {
    const mem = memoryState();
    const { harness, calls } = await setup(mem.backend);
    const id = approvalIdOf(await harness.call('write_file', { path: 'a.txt' }));
    await approvePending(mem.backend, id);
    mem.advance(TOKEN_TTL_SECONDS * 1000);
    expect((await harness.call('write_file', { path: 'a.txt' })).isError).toBe(true);
    expect(calls).toEqual([]);
  });

  it('runs one of several concurrent retries', async () => {
    const mem = memoryState();
    const { harness, calls } = await setup(mem.backend);
    const id = approvalIdOf(await harness.call('write_file', { path: 'a.txt' }));
    await approvePending(mem.backend, id);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => harness.call('write_file', { path: 'a.txt' })),
    );
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    expect(calls).toEqual(['write_file a.txt']);
  });

  it('tells the next retry about a rejection, with the reason, then asks afresh', async () => {
    const mem = memoryState();
    const { harness, calls, audit } = await setup(mem.backend);
    const id = approvalIdOf(await harness.call('write_file', { path: 'a.txt' }));
    await rejectPending(mem.backend, id, 'not during the freeze');
    const r = await harness.call('write_file', { path: 'a.txt' });
    expect(r.isError).toBe(true);
    expect(r.text).toBe(
      `Tool call to 'ops_write_file' was rejected by the operator (approval ID: ${id}): not during the freeze`,
    );
    expect(harness.audit.at(-1)).toMatchObject({ error_code: ErrorCode.hitlRejected });
    expect(audit.at(-1)).toMatchObject({ event: 'hitl_rejection_reported', approval_id: id });
    const next = await harness.call('write_file', { path: 'a.txt' });
    expect(approvalIdOf(next)).not.toBe(id);
    expect(calls).toEqual([]);
  });
});

describe('hitl middleware: failures', () => {
  it('fails closed when the backend is down, without showing the agent the backend error', async () => {
    const { harness, calls, audit } = await setup(brokenState());
    const r = await harness.call('write_file', { path: 'a.txt' });
    expect(r).toMatchObject({ isError: true, text: 'approval rejected: state backend unavailable' });
    expect(calls).toEqual([]);
    expect(audit).toEqual([
      expect.objectContaining({ event: 'hitl_state_read_failed', level: 'error', tool: 'ops_write_file' }),
    ]);
    expect(harness.audit.at(-1)).toMatchObject({ error_code: ErrorCode.stateUnavailable });
  });

  it('fails closed when only the pending record cannot be written', async () => {
    const mem = memoryState();
    const writeFails: StateBackend = {
      ...mem.backend,
      set: async () => {
        throw new Error('OOM command not allowed');
      },
    };
    const { harness, calls, audit, sent } = await setup(writeFails);
    const r = await harness.call('write_file', { path: 'a.txt' });
    expect(r.text).toBe('approval rejected: state backend unavailable');
    expect(calls).toEqual([]);
    expect(sent).toEqual([]);
    expect(audit).toEqual([
      expect.objectContaining({
        event: 'hitl_state_write_failed',
        error_type: 'Error',
        error: 'Error: OOM command not allowed',
      }),
    ]);
  });

  it('swallows a notifier failure: the agent still gets its approval id, the audit log the failure', async () => {
    const mem = memoryState();
    const { harness, audit } = await setup(mem.backend, {
      notifier: {
        type: 'ntfy',
        notify: async () => {
          throw new Error('HTTP 503');
        },
      },
    });
    const r = await harness.call('write_file', { path: 'a.txt' });
    const id = approvalIdOf(r);
    expect(audit.map((a) => a.event)).toEqual(['hitl_approval_pending', 'hitl_notifier_failed']);
    expect(audit[1]).toMatchObject({
      approval_id: id,
      notifier: 'ntfy',
      error: 'Error: HTTP 503',
      level: 'error',
    });
    expect((await approvePending(mem.backend, id)).status).toBe('approved');
  });

  it('swallows a real webhook failure (HTTP 500 from a loopback receiver)', async () => {
    const server = await startNotifyServer({ kind: 'webhook' });
    server.behaviour = 'fail';
    try {
      const { harness, audit } = await setup(memoryState().backend, {
        notifier: null,
        config: hitlConfig({ notify: { type: 'webhook', url: `${server.url}/hook` } }),
      });
      const r = await harness.call('write_file', { path: 'a.txt' });
      approvalIdOf(r);
      expect(server.received).toHaveLength(1);
      expect(audit.at(-1)).toMatchObject({
        event: 'hitl_notifier_failed',
        notifier: 'webhook',
        error: 'NotifyError: HTTP 500',
      });
    } finally {
      await server.close();
    }
  });
});

describe('hitl middleware: sanitised summaries', () => {
  it('never lets a held credential reach state, notifiers or the audit log, yet binds the approval to it', async () => {
    const server = await startNotifyServer({ kind: 'webhook' });
    const GH_TOKEN = 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB';
    try {
      const mem = memoryState();
      const { harness, audit, calls } = await setup(mem.backend, {
        notifier: null,
        secrets: [PASSWORD],
        config: hitlConfig({ notify: { type: 'webhook', url: `${server.url}/hook` } }),
      });
      const args = { path: 'a.txt', text: `token ${GH_TOKEN}`, password: PASSWORD };
      const id = approvalIdOf(await harness.call('write_file', args));
      expect(server.refused).toEqual([]);
      const body = JSON.parse(server.received[0]?.body as string) as Record<string, unknown>;
      expect(body.arguments_summary).toMatchObject({ path: 'a.txt', password: '<redacted>' });
      const everything = [await allValues(mem.backend), server.received[0]?.body, JSON.stringify(audit)].join(
        '\n',
      );
      expect(everything).not.toContain(PASSWORD);
      // Notifiers and the audit log get the sanitised summary: token-shaped text is cut out of them...
      const offHost = [server.received[0]?.body, JSON.stringify(audit)].join('\n');
      expect(offHost).not.toContain(GH_TOKEN);
      // ...while the approval record shows the operator the text that will run (it is not a held credential).
      const [pending] = await listPendingApprovals(mem.backend);
      expect(pending?.arguments).toBe(canonicalJson({ ...args, password: '<redacted-secret>' }));
      expect(pending?.redacted_credentials).toBe(true);

      await approvePending(mem.backend, id);
      expect((await harness.call('write_file', { ...args, password: 'other' })).isError).toBe(true);
      expect((await harness.call('write_file', args)).isError).toBe(false);
      expect(calls).toEqual(['write_file a.txt']);
    } finally {
      await server.close();
    }
  });
});

describe('hitl middleware: the operator approves exactly what will run', () => {
  it('records the whole statement: a long note cannot hide what comes after it', async () => {
    const mem = memoryState();
    const { harness, audit, calls } = await setup(mem.backend);
    const text = `UPDATE acct SET note='${'x'.repeat(600)}', balance = 0`;
    const id = approvalIdOf(await harness.call('write_file', { path: 'bank.db', text }));
    const [pending] = await listPendingApprovals(mem.backend, { now: mem.now });
    expect(pending).toMatchObject({
      approval_id: id,
      arguments: canonicalJson({ path: 'bank.db', text }),
      redacted_credentials: false,
    });
    expect(pending?.arguments).toContain("', balance = 0");
    // The audit line keeps its sanitised, shortened summary.
    expect(audit[0]).toMatchObject({
      event: 'hitl_approval_pending',
      arguments_summary: {
        text: expect.stringContaining(`...<truncated ${Buffer.byteLength(text)} bytes>`),
      },
    });
    expect(calls).toEqual([]);
  });

  it('applies none of the audit heuristics: key names, hex refs, nesting and width are kept', async () => {
    const mem = memoryState();
    const { harness } = await setup(mem.backend);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 12; i++) deep = { level: deep };
    const data = {
      sort_key: 'created_at',
      primary_key: 'id',
      ref: HEX40,
      deep,
      wide: Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`k${i}`, i])),
      long: Array.from({ length: 120 }, (_, i) => i),
    };
    approvalIdOf(await harness.call('write_data', { data }), 'ops_write_data');
    const [pending] = await listPendingApprovals(mem.backend);
    expect(pending?.arguments).toBe(canonicalJson({ data }));
    expect(JSON.parse(pending?.arguments as string)).toEqual({ data });
    expect(pending?.redacted_credentials).toBe(false);
  });

  it('opens one approval for ten concurrent identical calls, notifies once, and tells each caller its id', async () => {
    const mem = memoryState();
    const { harness, sent, audit, calls } = await setup(mem.backend);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => harness.call('write_file', { path: 'a.txt' })),
    );
    const ids = results.map((r) => approvalIdOf(r, 'ops_write_file', 'any'));
    expect(new Set(ids).size).toBe(1);
    expect(sent).toHaveLength(1);
    expect(await listPendingApprovals(mem.backend)).toHaveLength(1);
    expect(await mem.backend.keys('*:hitl:agent-a.*')).toHaveLength(1);
    expect(audit.filter((a) => a.event === 'hitl_approval_pending')).toHaveLength(1);
    expect(audit.filter((a) => a.event === 'hitl_approval_still_pending')).toHaveLength(9);

    await approvePending(mem.backend, ids[0] as string);
    const retries = await Promise.all(
      Array.from({ length: 10 }, () => harness.call('write_file', { path: 'a.txt' })),
    );
    expect(retries.filter((r) => !r.isError)).toHaveLength(1);
    expect(calls).toEqual(['write_file a.txt']);
  });

  it('opens a fresh approval when the open one was decided but its pointer was left behind', async () => {
    const mem = memoryState();
    const { harness, sent } = await setup(mem.backend);
    const id = approvalIdOf(await harness.call('write_file', { path: 'a.txt' }));
    // An operator command that died between taking the record and clearing the pointer.
    await mem.backend.delete(`scoped-mcp:agent-a:hitl:${id}`);
    const next = approvalIdOf(await harness.call('write_file', { path: 'a.txt' }));
    expect(next).not.toBe(id);
    expect(sent).toHaveLength(2);
    expect((await listPendingApprovals(mem.backend)).map((p) => p.approval_id)).toEqual([next]);
  });

  it('refuses arguments too large to review in full, naming the limit, before anything is stored', async () => {
    const mem = memoryState();
    const { harness, sent, audit, calls } = await setup(mem.backend, {
      config: hitlConfig({ max_argument_bytes: 1024 }),
    });
    // {"path":"a.txt","text":"…"}: 26 bytes around the text; 'é' is 2 bytes of UTF-8.
    expect(Buffer.byteLength(canonicalJson({ path: 'a.txt', text: 'é'.repeat(499) }))).toBe(1024);
    const fits = await harness.call('write_file', { path: 'a.txt', text: 'é'.repeat(499) });
    expect(readErrorMeta(fits.raw)?.code).toBe(ErrorCode.hitlApprovalRequired);

    const r = await harness.call('write_file', { path: 'a.txt', text: `${'é'.repeat(499)}x` });
    expect(r.isError).toBe(true);
    expect(readErrorMeta(r.raw)).toEqual({
      code: ErrorCode.limitExceeded,
      limit: { name: 'max_argument_bytes', value: 1024 },
    });
    expect(r.text).toBe(
      "The arguments of 'ops_write_file' are 1025 bytes as canonical JSON, over hitl.max_argument_bytes (1024): " +
        'an operator could not review them in full, so this call cannot be approved. Send smaller arguments.',
    );
    expect(audit.at(-1)).toMatchObject({
      event: 'hitl_arguments_too_large',
      tool: 'ops_write_file',
      argument_bytes: 1025,
      max_argument_bytes: 1024,
    });
    expect(sent).toHaveLength(1);
    expect(await listPendingApprovals(mem.backend)).toHaveLength(1);
    expect(calls).toEqual([]);
  });

  it('prints the command the operator runs, with the manifest path quoted for a shell', async () => {
    const mem = memoryState();
    const manifestPath = "/srv/agents/it's here/build.yml";
    const { harness, sent } = await setup(mem.backend, { manifestPath });
    const r = await harness.call('write_file', { path: 'a.txt' });
    const id = readErrorMeta(r.raw)?.approval_id as string;
    const quoted = "'/srv/agents/it'\\''s here/build.yml'";
    expect(r.text).toContain(
      `Ask the operator to run: scoped-mcp hitl --manifest ${quoted} approve ${id} — `,
    );
    expect(sent[0]?.message).toContain(`scoped-mcp hitl --manifest ${quoted} show ${id}`);
  });

  it('names the manifest as a placeholder when it was not told where the manifest is', async () => {
    const { harness } = await setup(memoryState().backend, { manifestPath: null });
    const r = await harness.call('write_file', { path: 'a.txt' });
    expect(r.text).toContain(
      "Ask the operator to run: scoped-mcp hitl --manifest <the agent's manifest> approve ",
    );
  });
});

describe('createHitlMiddleware', () => {
  const base = {
    audit: captureLogger('audit', []),
    agent: { id: 'agent-a', type: 'build', sessionId: 's' },
    sanitize: (v: unknown) => v,
    redactCredentials: <T>(v: T) => v,
    toolNames: GATED_TOOL_NAMES,
  };

  it('refuses to start approvals on a state only this process can see', () => {
    expect(() => createHitlMiddleware({ ...base, config: hitlConfig(), state: inProcessState() })).toThrow(
      /needs a shared state backend/,
    );
    // Shadow alone needs no state.
    expect(() =>
      createHitlMiddleware({
        ...base,
        config: hitlConfig({ approval_required: [] }),
        state: inProcessState(),
      }),
    ).not.toThrow();
  });

  it('warns about patterns that match no tool, with a hint for dotted names', () => {
    const { warnings } = createHitlMiddleware({
      ...base,
      state: memoryState().backend,
      config: hitlConfig({ approval_required: ['ops_write_*', 'ops.write_file'], shadow: ['nope_*'] }),
    });
    expect(warnings).toEqual([
      "hitl.shadow[0]: pattern 'nope_*' matches no tool, so it has no effect",
      "hitl.approval_required[1]: pattern 'ops.write_file' matches no tool, so it has no effect (tool names are '<module key>_<tool>', e.g. 'filesystem_write_file'; '.' is not a separator)",
    ]);
  });

  it('says that interactive mode and signing are not supported yet', () => {
    const { warnings } = createHitlMiddleware({
      ...base,
      state: memoryState().backend,
      config: hitlConfig({ mode: 'interactive', signing: { mode: 'enforce', public_key_path: 'k.pem' } }),
    });
    expect(warnings).toEqual([
      "hitl.mode: 'interactive' is not supported yet; approvals go through 'scoped-mcp hitl approve' (mode 'enforce')",
      "hitl.signing.mode: 'enforce' is not supported yet; approval tokens are NOT signature-checked (behaves as 'off')",
    ]);
  });

  it('passes on the notifier’s startup warnings', () => {
    const { warnings } = createHitlMiddleware({
      ...base,
      state: memoryState().backend,
      config: hitlConfig({ notify: { type: 'matrix', room: '!r:example.org' } }),
    });
    expect(warnings).toEqual([
      'hitl.notify: matrix notifications are off (its sender was not loaded); approvals are announced in the audit log',
    ]);
  });
});
