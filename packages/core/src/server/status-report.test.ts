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
        req: {
          status: 'failed_startup',
          type: 'failing',
          tool_count: 0,
          error_type: 'Error',
          error: 'Error: down',
        },
        opt: {
          status: 'failed_startup',
          type: 'failing',
          tool_count: 0,
          optional: true,
          error_type: 'TypeError',
          error: 'TypeError: down',
        },
        opt_ok: { status: 'running', type: 'echo', tool_count: 2, optional: true },
      },
      failed_count: 1,
      total_count: 4,
      healthy: false,
      offline_optional_modules: ['opt'],
    });
  });

  // The agent reads this report: it gets the operator's message (so it can say which module failed and
  // why) with every host path hidden; credential values are redacted before the message is kept at all.
  it.each([
    [new Error('unable to open /srv/agents/x.db'), 'Error: unable to open <path>'],
    ['connection refused by /srv/private/socket', 'connection refused by <path>'],
    [
      "cannot create '/home/op/data' (a parent, file:///home/op, is a file)",
      "cannot create '<path>' (a parent, <path>, is a file)",
    ],
  ])('shows the message of %j without host paths', async (thrown, shown) => {
    const { runtime } = createHarness([moduleInstance('req', failingSetup(thrown))], RUNTIME);
    await runtime.start();
    const report = statusReport(runtime.instances);
    expect(report.modules.req?.error).toBe(shown);
    const text = JSON.stringify(report);
    expect(text).toContain('"error_type"');
    for (const hostPath of ['/srv/', '/home/op']) expect(text).not.toContain(hostPath);
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

  // The file may be read by other local users and monitoring; the reference keeps only the error's type there.
  it("keeps each failure's type but not its message", () => {
    const content = healthFileContent({
      modules: {
        bad: {
          status: 'failed_startup',
          type: 'sqlite',
          tool_count: 0,
          error_type: 'Error',
          error: 'Error: db_dir <path> is a file',
        },
      },
      failed_count: 1,
      total_count: 1,
      healthy: false,
    });
    expect(content.modules).toEqual({
      bad: { status: 'failed_startup', type: 'sqlite', tool_count: 0, error_type: 'Error' },
    });
  });
});
