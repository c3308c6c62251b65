import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { echoModule, RUNTIME } from '../__fixtures__/runtime-fixtures.js';
import { createHarness, moduleInstance } from '@scoped-mcp/testing';
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
    const { runtime } = createHarness(
      [
        moduleInstance('ok', echoModule),
        moduleInstance('req', failingSetup(new Error('down'))),
        moduleInstance('opt', failingSetup(new TypeError('down')), { optional: true }),
        moduleInstance('opt_ok', echoModule, { optional: true }),
      ],
      RUNTIME,
    );
    await runtime.start();
    const report = statusReport(runtime.instances);
    expect(report).toEqual({
      modules: {
        ok: { status: 'running', type: 'echo', tool_count: 2 },
        req: { status: 'failed_startup', type: 'failing', tool_count: 0, error_type: 'Error' },
        opt: {
          status: 'failed_startup',
          type: 'failing',
          tool_count: 0,
          optional: true,
          error_type: 'TypeError',
        },
        opt_ok: { status: 'running', type: 'echo', tool_count: 2, optional: true },
      },
      failed_count: 1,
      total_count: 4,
      healthy: false,
      offline_optional_modules: ['opt'],
    });
  });

  // The agent reads this report: error messages can hold host paths, backend addresses or secrets, so
  // only the error type is shown (the ops log has the message).
  it.each([
    new Error('unable to open /srv/agents/x.db'),
    'connection refused by /srv/private/socket',
    'token abc123 rejected, see /home/op/.config',
  ])('never shows the message of %j', async (thrown) => {
    const { runtime } = createHarness([moduleInstance('req', failingSetup(thrown))], RUNTIME);
    await runtime.start();
    const text = JSON.stringify(statusReport(runtime.instances));
    expect(text).toContain('"error_type"');
    for (const secret of ['/srv/', '/home/op', 'abc123', 'unable to open'])
      expect(text).not.toContain(secret);
  });

  it('is healthy with no offline list when nothing failed', async () => {
    const { runtime } = createHarness([moduleInstance('ok', echoModule)], RUNTIME);
    await runtime.start();
    const report = statusReport(runtime.instances);
    expect(report).toMatchObject({ failed_count: 0, healthy: true });
    expect(report).not.toHaveProperty('offline_optional_modules');
  });
});

describe('healthFileContent', () => {
  it('is the status report plus written_at', () => {
    const report: StatusReport = {
      modules: {
        bad: { status: 'failed_startup', type: 'sqlite', tool_count: 0, error_type: 'SqliteError' },
      },
      failed_count: 1,
      total_count: 1,
      healthy: false,
    };
    const content = healthFileContent(report);
    expect(content).toMatchObject(report);
    expect(content.written_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
