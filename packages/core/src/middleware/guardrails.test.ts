import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Notifier } from '../hitl/notify.js';
import { parseManifest } from '../manifest/load.js';
import { agentState } from '../state/agent-state.js';
import { inProcessState } from '../state/in-process.js';
import type { StateBackend } from '../state/types.js';
import { captureLogger } from '@scoped-mcp/testing';
import { AGENT, fakeCall } from './__fixtures__/filter-test-kit.js';
import { composeMiddleware, type Middleware } from './compose.js';
import { buildGuardrails, type GuardrailOptions } from './guardrails.js';

const TOOLS = ['shell_run', 'shell_deploy', 'shell_ping'];

const BASE = `
agent_type: test
modules:
  shell: {}
`;

function manifest(extra: string) {
  return parseManifest(`${BASE}${extra}`, 'test.yml', {}).manifest;
}

/** Every state operation and audit event lands in one ordered log. */
function recorder() {
  const log: string[] = [];
  const records: Record<string, unknown>[] = [];
  records.push = (...items: Record<string, unknown>[]) => {
    for (const item of items) log.push(`audit:${String(item.event)}`);
    return records.length;
  };
  const inner = inProcessState();
  const recording: StateBackend = {
    kind: 'recording',
    shared: true,
    slidingWindowHit: (key, limit, windowMs) => {
      log.push('state:slidingWindowHit');
      return inner.slidingWindowHit(key, limit, windowMs);
    },
    setIfAbsent: (key, value, ttl) => {
      log.push('state:setIfAbsent');
      return inner.setIfAbsent(key, value, ttl);
    },
    set: (key, value, ttl) => {
      log.push('state:set');
      return inner.set(key, value, ttl);
    },
    get: (key) => {
      log.push('state:get');
      return inner.get(key);
    },
    take: (key) => {
      log.push('state:take');
      return inner.take(key);
    },
    delete: (key) => inner.delete(key),
    keys: (pattern) => inner.keys(pattern),
    close: () => inner.close(),
  };
  const notifier: Notifier = {
    type: 'log',
    notify: async () => {
      log.push('notify');
    },
  };
  return { log, audit: captureLogger('audit', records), state: agentState(recording, AGENT.id), notifier };
}

function build(yaml: string, options: Partial<GuardrailOptions> = {}) {
  const r = recorder();
  const guardrails = buildGuardrails({
    manifest: manifest(yaml),
    agent: AGENT,
    audit: r.audit,
    state: r.state,
    toolNames: TOOLS,
    sanitize: (value) => value,
    redactCredentials: (value) => value,
    notifier: r.notifier,
    ...options,
  });
  return { ...r, ...guardrails };
}

const ALL = `
state_backend: { type: redis, url: 'redis://127.0.0.1:6379' }
rate_limits:
  global: 100/minute
argument_filters:
  - { name: arg-seen, pattern: '.', action: warn }
hitl:
  shadow: [shell_ping]
  approval_required: [shell_deploy]
response_filters:
  - { name: resp-seen, pattern: '.', action: warn }
`;

describe('buildGuardrails', () => {
  it('runs rate limit → argument filter → HITL → embedder middleware → response filter → handler', async () => {
    const extra: Middleware = async (_call, next) => {
      t.log.push('extra>');
      const out = await next();
      t.log.push('<extra');
      return out;
    };
    const t = build(ALL, { extra: [extra] });
    expect(t.middleware).toHaveLength(5);
    const chain = composeMiddleware(t.middleware, async () => {
      t.log.push('handler');
      return 'done';
    });

    expect(await chain(fakeCall('shell_run', { cmd: 'ls' }))).toBe('done');
    expect(t.log).toEqual([
      'state:slidingWindowHit', // rate limit
      'audit:argument_filter_warning', // argument filter
      'extra>', // HITL passed an ungated tool through (no state, no audit)
      'handler',
      'audit:response_filter_warning', // response filter is inside the embedder middleware
      '<extra',
    ]);

    // A gated tool stops at HITL: after the rate limit and the argument filter, before the embedder.
    t.log.length = 0;
    await expect(chain(fakeCall('shell_deploy', { env: 'prod' }))).rejects.toMatchObject({
      code: 'SMCP_HITL_APPROVAL_REQUIRED',
    });
    expect(t.log.slice(0, 2)).toEqual(['state:slidingWindowHit', 'audit:argument_filter_warning']);
    expect(t.log).toContain('audit:hitl_approval_pending');
    expect(t.log).toContain('notify');
    expect(t.log).not.toContain('extra>');
    expect(t.log).not.toContain('handler');
  });

  it('counts a call the argument filter refuses against the rate limit', async () => {
    const t = build(`
rate_limits:
  global: 1/minute
argument_filters:
  - { name: no-rm, pattern: 'rm -rf' }
`);
    const chain = composeMiddleware(t.middleware, async () => 'ran');
    await expect(chain(fakeCall('shell_run', { cmd: 'rm -rf /' }))).rejects.toMatchObject({
      code: 'SMCP_POLICY_BLOCKED',
    });
    await expect(chain(fakeCall('shell_run', { cmd: 'ls' }))).rejects.toMatchObject({
      code: 'SMCP_RATE_LIMITED',
    });
  });

  it('adds only the blocks the manifest has', () => {
    expect(build('').middleware).toEqual([]);
    expect(build('argument_filters: []\nresponse_filters: []\n').middleware).toEqual([]);
    expect(build('hitl: { shadow: [], approval_required: [] }\n').middleware).toEqual([]);
    // rate_limits present, even without limits, turns the middleware on (reference behaviour).
    expect(build('rate_limits: {}\n').middleware).toHaveLength(1);
    expect(build('response_filters:\n  - { name: r, pattern: x }\n').middleware).toHaveLength(1);
    const extra: Middleware = async (_c, next) => next();
    const t = build('', { extra: [extra] });
    expect(t.middleware).toEqual([extra]);
  });

  it('puts the embedder middleware inside HITL and outside the response filter', () => {
    const extra: Middleware = async (_c, next) => next();
    const t = build(ALL, { extra: [extra] });
    expect(t.middleware.indexOf(extra)).toBe(3);
    expect(t.middleware).toHaveLength(5);
  });

  it('collects the warnings of the rate-limit and HITL factories', () => {
    const t = build(`
rate_limits:
  per_tool:
    nosuch_*: 1/second
hitl:
  shadow: [other_*]
`);
    expect(t.warnings.some((w) => w.includes('nosuch_*'))).toBe(true);
    expect(t.warnings.some((w) => w.includes('other_*'))).toBe(true);
  });

  it('refuses approval_required on a state backend other processes cannot see', () => {
    // The manifest asks for Redis; the backend handed in is process-local.
    const gated = manifest(
      "state_backend: { type: redis, url: 'redis://127.0.0.1:6379' }\nhitl:\n  approval_required: [shell_deploy]\n",
    );
    expect(() =>
      buildGuardrails({
        manifest: gated,
        agent: AGENT,
        audit: captureLogger('audit', []),
        state: agentState(inProcessState(), AGENT.id),
        toolNames: TOOLS,
        sanitize: (v) => v,
        redactCredentials: (v) => v,
      }),
    ).toThrow(/shared state backend/);
  });
});

describe('docs/guardrails.md', () => {
  const doc = readFileSync(new URL('../../../../docs/guardrails.md', import.meta.url), 'utf8');
  const snippets = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);

  it('has manifest snippets', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(4);
  });

  it.each(snippets.map((s, i) => [i, s] as const))(
    'snippet %i is a valid manifest fragment',
    (_i, snippet) => {
      expect(() => manifest(snippet)).not.toThrow();
    },
  );
});
