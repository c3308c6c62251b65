import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { echoModule, instance, makeRuntime } from '../__fixtures__/runtime-fixtures.js';
import { defineModule } from '../module/define.js';
import { healthFileContent, type StatusReport, statusReport } from './status-report.js';

function failingSetup(thrown: unknown) {
  return defineModule({
    name: 'failing',
    description: '',
    config: z.strictObject({}),
    setup: () => {
      throw thrown;
    },
    tools: {},
  });
}

describe('statusReport', () => {
  it('counts failures of required modules only and lists offline optional ones', async () => {
    const { runtime } = makeRuntime([
      instance('ok', echoModule),
      instance('req', failingSetup(new Error('down'))),
      instance('opt', failingSetup(new Error('down')), { optional: true }),
      instance('opt_ok', echoModule, { optional: true }),
    ]);
    await runtime.start();
    const report = statusReport(runtime.instances, (t) => t);
    expect(report).toEqual({
      modules: {
        ok: { status: 'running', type: 'echo', tool_count: 2 },
        req: { status: 'failed_startup', type: 'failing', tool_count: 0, error: 'Error: down' },
        opt: {
          status: 'failed_startup',
          type: 'failing',
          tool_count: 0,
          optional: true,
          error: 'Error: down',
        },
        opt_ok: { status: 'running', type: 'echo', tool_count: 2, optional: true },
      },
      failed_count: 1,
      total_count: 4,
      healthy: false,
      offline_optional_modules: ['opt'],
    });
  });

  it('passes every error through the redactor', async () => {
    const { runtime } = makeRuntime([instance('req', failingSetup(new Error('password=abc')))]);
    await runtime.start();
    expect(statusReport(runtime.instances, () => 'R').modules.req?.error).toBe('R');
  });

  it('is healthy with no offline list when nothing failed', async () => {
    const { runtime } = makeRuntime([instance('ok', echoModule)]);
    await runtime.start();
    const report = statusReport(runtime.instances, (t) => t);
    expect(report).toMatchObject({ failed_count: 0, healthy: true });
    expect(report).not.toHaveProperty('offline_optional_modules');
  });
});

describe('healthFileContent', () => {
  const report: StatusReport = {
    modules: {
      ok: { status: 'running', type: 'echo', tool_count: 2 },
      bad: {
        status: 'failed_startup',
        type: 'sqlite',
        tool_count: 0,
        error: 'SqliteError: unable to open /srv/agents/x.db',
      },
    },
    failed_count: 1,
    total_count: 2,
    healthy: false,
  };

  it('replaces each error by its type and adds written_at', () => {
    const content = healthFileContent(report);
    expect(content).toMatchObject({
      modules: {
        ok: { status: 'running', type: 'echo', tool_count: 2 },
        bad: { status: 'failed_startup', type: 'sqlite', tool_count: 0, error_type: 'SqliteError' },
      },
      failed_count: 1,
      total_count: 2,
      healthy: false,
    });
    expect(JSON.stringify(content)).not.toContain('/srv/agents');
    expect(JSON.stringify(content)).not.toContain('"error"');
    expect(content.written_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  // describeError() gives the bare text for a thrown non-Error, and some failure messages have no
  // "Type:" prefix; the whole message must not end up in the less-protected health file then.
  it.each(['connection refused by /srv/private/socket', 'token abc123 rejected, see /home/op/.config'])(
    'never copies a message without a type prefix: %j',
    (error) => {
      const content = healthFileContent({
        ...report,
        modules: { x: { status: 'failed_startup', type: 't', tool_count: 0, error } },
      });
      const text = JSON.stringify(content);
      expect(text).not.toContain('/srv/private');
      expect(text).not.toContain('/home/op');
      expect(text).not.toContain('abc123');
    },
  );
});
