// Small in-test modules and a ScopedRuntime wired to capturing loggers.
import { z } from 'zod';
import type { AgentIdentity } from '../identity/agent-identity.js';
import type { Middleware } from '../middleware/compose.js';
import { defineModule, defineTool } from '../module/define.js';
import type { ScopedMcpModule } from '../module/types.js';
import type { InstanceSpec } from '../server/module-instance.js';
import { type RuntimeOptions, ScopedRuntime } from '../server/scoped-runtime.js';
import { captureLogger } from '../testing/capture-logger.js';

export const AGENT: AgentIdentity = Object.freeze({
  id: 'agent-a',
  type: 'research',
  sessionId: '6f1c1b1e-7d0a-4c51-9a55-3a3b1c2d4e5f',
});

export interface RuntimeFixture {
  readonly runtime: ScopedRuntime;
  readonly audit: Record<string, unknown>[];
  readonly ops: Record<string, unknown>[];
  call(name: string, args?: unknown): ReturnType<ScopedRuntime['call']>;
}

export interface RuntimeFixtureOptions {
  readonly secrets?: readonly string[];
  readonly middleware?: readonly Middleware[];
  readonly logArgs?: boolean;
  readonly teardownTimeoutMs?: number;
  readonly manifestDir?: string;
  readonly onStarted?: RuntimeOptions['onStarted'];
}

export function instance(
  key: string,
  module: ScopedMcpModule | undefined,
  extra: Partial<InstanceSpec> = {},
): InstanceSpec {
  return {
    key,
    type: module?.name ?? key,
    optional: false,
    mode: null,
    module,
    config: {},
    credentials: {},
    ...extra,
  };
}

export function makeRuntime(
  instances: readonly InstanceSpec[],
  options: RuntimeFixtureOptions = {},
): RuntimeFixture {
  const audit: Record<string, unknown>[] = [];
  const ops: Record<string, unknown>[] = [];
  const runtime = new ScopedRuntime({
    agent: AGENT,
    instances,
    manifestDir: options.manifestDir ?? '/srv/manifests',
    audit: captureLogger('audit', audit).child({ agent_id: AGENT.id, session_id: AGENT.sessionId }),
    ops: captureLogger('ops', ops),
    secrets: options.secrets,
    middleware: options.middleware,
    logArgs: options.logArgs,
    teardownTimeoutMs: options.teardownTimeoutMs,
    onStarted: options.onStarted,
  });
  return {
    runtime,
    audit,
    ops,
    call: (name, args = {}) => runtime.call(name, args, { signal: new AbortController().signal }),
  };
}

/** A module with one read and one write tool, whose handlers echo what they were given. */
export const echoModule = defineModule({
  name: 'echo',
  description: 'echoes',
  config: z.strictObject({ greeting: z.string().default('hi') }),
  tools: {
    say: defineTool({
      mode: 'read',
      description: 'Say something.',
      input: z.strictObject({ text: z.string().max(100), times: z.number().int().min(1).default(1) }),
      handler: (args) => args.text.repeat(args.times),
    }),
    store: defineTool({
      mode: 'write',
      description: 'Store something.',
      input: z.strictObject({ key: z.string(), value: z.unknown() }),
      handler: (args) => ({ stored: args.key }),
    }),
  },
});

export function textOf(result: { content: readonly { type: string; text?: unknown }[] }): string {
  const first = result.content[0];
  return first?.type === 'text' ? String(first.text) : '';
}
