// Both filters through the full tool chain (input parse, middleware, handler, error mapping, audit), as
// the server runs them: what the agent receives and which audit lines are written.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineModule, defineTool } from '../module/define.js';
import { createModuleHarness } from '../testing/harness.js';
import { argRule, auditSink, b64, responseRule } from './__fixtures__/filter-test-kit.js';
import { createArgumentFilterMiddleware } from './argument-filter.js';
import { createResponseFilterMiddleware } from './response-filter.js';

const SECRET = 'AKIAABCDEFGHIJKLMNOP';
const ran: string[] = [];

const shell = defineModule({
  name: 'shell',
  description: 'test module',
  config: z.strictObject({}),
  tools: {
    run: defineTool({
      mode: 'write',
      description: 'runs a command',
      input: z.strictObject({ cmd: z.string(), env: z.record(z.string(), z.string()).optional() }),
      async handler(args) {
        ran.push(args.cmd);
        return `ran ${args.cmd}`;
      },
    }),
    env: defineTool({
      mode: 'read',
      description: 'prints the environment',
      input: z.strictObject({}),
      async handler() {
        return { AWS_ACCESS_KEY_ID: SECRET, encoded: b64(`key ${SECRET}`), HOME: '/home/agent' };
      },
    }),
  },
});

async function harness() {
  const { audit, records } = auditSink();
  const h = await createModuleHarness(shell, {
    middleware: [
      createArgumentFilterMiddleware({
        rules: [argRule({ name: 'no-rm', pattern: 'rm\\s+-rf', decode: ['base64'] })],
        audit,
        agentId: 'test-agent',
      }),
      createResponseFilterMiddleware({
        rules: [
          responseRule({ name: 'aws', pattern: 'AKIA[A-Z0-9]{16}', action: 'redact', decode: ['base64'] }),
        ],
        audit,
        agentId: 'test-agent',
      }),
    ],
  });
  return { h, records };
}

describe('filters in the tool pipeline', () => {
  it('a blocked call never reaches the handler; the agent gets the generic message; both audit lines', async () => {
    const { h, records } = await harness();
    ran.length = 0;
    const r = await h.call('run', { cmd: 'true', env: { X: b64('rm -rf ~') } });
    expect(r.isError).toBe(true);
    expect(r.text).toBe("tool call to 'shell_run' blocked by argument filter policy");
    expect(ran).toEqual([]);
    expect(h.audit).toEqual([
      expect.objectContaining({ event: 'tool_error', tool: 'shell_run', error_code: 'SMCP_POLICY_BLOCKED' }),
    ]);
    expect(records).toEqual([
      expect.objectContaining({ event: 'argument_filter_blocked', filter_name: 'no-rm', field_name: 'env' }),
    ]);
    await h.close();
  });

  it('an allowed call runs once and is audited as tool_call', async () => {
    const { h } = await harness();
    ran.length = 0;
    const r = await h.call('run', { cmd: 'ls -la' });
    expect(r).toMatchObject({ isError: false, text: 'ran ls -la' });
    expect(ran).toEqual(['ls -la']);
    expect(h.audit).toEqual([expect.objectContaining({ event: 'tool_call', status: 'ok' })]);
    await h.close();
  });

  it('the agent receives the redacted response, raw and decoded-only matches alike', async () => {
    const { h, records } = await harness();
    const r = await h.call('env', {});
    expect(r.json()).toEqual({ AWS_ACCESS_KEY_ID: '[REDACTED]', encoded: '[REDACTED]', HOME: '/home/agent' });
    expect(r.text).not.toContain(SECRET);
    expect(records).toEqual([
      expect.objectContaining({
        event: 'response_filter_redacted',
        filter_name: 'aws',
        count: 2,
        decoded_count: 1,
      }),
    ]);
    await h.close();
  });
});
