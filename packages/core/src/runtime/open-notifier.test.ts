import { rm } from 'node:fs/promises';
import { captureLogger } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir, writePackage } from '../__fixtures__/module-packages.js';
import { StartupError } from '../errors/errors.js';
import { coreVersion } from '../loader/plugin-package.js';
import { openNotifier } from './open-notifier.js';

// A module package whose module brands itself by hand (as another copy of core would) and offers a sender:
// it records what core gave its factory and answers with a notifier and a warning.
const SENDER_MODULE = (name: string, factory: string) => `
export default {
  [Symbol.for('scoped-mcp.module')]: 1,
  name: ${JSON.stringify(name)},
  description: 'fixture',
  config: { safeParse: (value) => ({ success: true, data: value }) },
  tools: {},
  ${factory}
};
`;

const RECORDING_FACTORY = `notifier: async (ctx) => {
    globalThis.__notifierContexts = [...(globalThis.__notifierContexts ?? []), {
      settings: ctx.settings,
      token: ctx.credential('NTFY_TOKEN'),
      empty: ctx.credential('EMPTY'),
      timeoutMs: ctx.timeoutMs,
      fallback: ctx.fallback.type,
    }];
    return { notifier: { type: 'ntfy', notify: async () => {} }, warnings: ['a warning of the sender'] };
  },`;

describe('openNotifier', () => {
  let base: string;
  const audit = captureLogger('audit', []);
  beforeEach(async () => {
    base = await tempDir('open-notifier');
    (globalThis as { __notifierContexts?: unknown[] }).__notifierContexts = [];
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  const options = (env: NodeJS.ProcessEnv = {}) => ({
    bases: [base],
    coreVersion: coreVersion(),
    audit,
    env,
  });

  it('builds log and webhook itself, loading nothing', async () => {
    expect((await openNotifier({ type: 'log' }, options())).notifier.type).toBe('log');
    expect(
      (await openNotifier({ type: 'webhook', url: 'https://hooks.example/x' }, options())).notifier.type,
    ).toBe('webhook');
  });

  it("loads a service's sender from its module package, giving it the settings, the environment's credentials and the timeout", async () => {
    await writePackage(base, {
      name: '@scoped-mcp/module-ntfy',
      files: { 'index.mjs': SENDER_MODULE('ntfy', RECORDING_FACTORY) },
    });
    const setup = await openNotifier(
      { type: 'ntfy', topic: 'ops', url: 'https://ntfy.example' },
      options({ NTFY_TOKEN: 'tk_1', EMPTY: '' }),
    );
    expect(setup.notifier.type).toBe('ntfy');
    expect(setup.warnings).toEqual(['a warning of the sender']);
    expect((globalThis as { __notifierContexts?: unknown[] }).__notifierContexts).toEqual([
      {
        settings: { type: 'ntfy', topic: 'ops', url: 'https://ntfy.example' },
        token: 'tk_1',
        empty: undefined,
        timeoutMs: 10_000,
        fallback: 'log',
      },
    ]);
  });

  it('stops startup when the package is not installed, with the loader’s message', async () => {
    const error = await openNotifier({ type: 'matrix', room: '!r:example.org' }, options()).catch((e) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect(error.message).toContain(
      "hitl.notify: module package '@scoped-mcp/module-matrix' is not installed.",
    );
    expect(error.message).toContain('fix: pnpm add @scoped-mcp/module-matrix');
  });

  it('stops startup when the module offers no sender', async () => {
    await writePackage(base, {
      name: '@scoped-mcp/module-slack-webhook',
      files: { 'index.mjs': SENDER_MODULE('slack_webhook', '') },
    });
    const error = await openNotifier({ type: 'slack_webhook' }, options()).catch((e) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect(error.message).toMatch(
      /hitl\.notify: @scoped-mcp\/module-slack-webhook@1\.0\.0 has no sender for type 'slack_webhook'/,
    );
  });

  it("stops startup when the sender's factory fails, quoting the first line only", async () => {
    await writePackage(base, {
      name: '@scoped-mcp/module-discord-webhook',
      files: {
        'index.mjs': SENDER_MODULE(
          'discord_webhook',
          `notifier: () => { throw new TypeError('bad settings\\nsecond line'); },`,
        ),
      },
    });
    const error = await openNotifier({ type: 'discord_webhook' }, options()).catch((e) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect(error.message).toContain('hitl.notify: TypeError: bad settings');
    expect(error.message).not.toContain('second line');
  });
});
