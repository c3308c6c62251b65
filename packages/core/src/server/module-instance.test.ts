import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AGENT, echoModule } from '../__fixtures__/runtime-fixtures.js';
import { createSanitizer } from '../redact/sanitize.js';
import { createSecretRedactor } from '../redact/secrets.js';
import { defineModule, defineTool } from '../module/define.js';
import type { ModuleContext } from '../module/types.js';
import { captureLogger, moduleInstance } from '@scoped-mcp/testing';
import { ModuleInstance, selectToolKeys } from './module-instance.js';
import type { PipelineDeps } from './tool-pipeline.js';

const ops: Record<string, unknown>[] = [];
const deps: PipelineDeps = {
  agent: AGENT,
  audit: captureLogger('audit', []),
  ops: captureLogger('ops', ops),
  sanitizer: createSanitizer(),
  redactor: createSecretRedactor([]),
  middleware: [],
  logArgs: true,
  maxArgumentDepth: 64,
};

describe('selectToolKeys', () => {
  it('keeps read tools only in read mode, everything otherwise', () => {
    expect(selectToolKeys(echoModule, 'read')).toEqual(['say']);
    expect(selectToolKeys(echoModule, 'write')).toEqual(['say', 'store']);
    expect(selectToolKeys(echoModule, null)).toEqual(['say', 'store']);
  });
});

describe('ModuleInstance', () => {
  it('gives setup a frozen context whose resolvePath uses the manifest directory', async () => {
    let seen: ModuleContext<unknown> | undefined;
    const module = defineModule({
      name: 'ctx',
      description: '',
      config: z.strictObject({}),
      setup: (ctx) => {
        seen = ctx;
        return 1;
      },
      tools: {},
    });
    const inst = new ModuleInstance(
      moduleInstance('k', module, { config: { a: 1 }, credentials: { T: 'v' } }),
      AGENT,
      '/etc/scoped-mcp/manifests',
      captureLogger('ops', ops),
    );
    await inst.start(deps);
    expect(inst.status).toBe('running');
    expect(Object.isFrozen(seen)).toBe(true);
    expect(seen).toMatchObject({ agent: AGENT, instance: 'k', config: { a: 1 }, credentials: { T: 'v' } });
    expect(seen?.resolvePath('db/x.sqlite')).toBe('/etc/scoped-mcp/manifests/db/x.sqlite');
    expect(seen?.resolvePath('/var/x')).toBe('/var/x');
    expect(seen?.resolvePath('../../x')).toBe('/etc/x');
  });

  it('starts only once and not at all when assembly already failed it', async () => {
    let setups = 0;
    const module = defineModule({
      name: 'once',
      description: '',
      config: z.strictObject({}),
      setup: () => {
        setups++;
      },
      tools: {
        t: defineTool({ mode: 'read', description: '', input: z.strictObject({}), handler: () => '' }),
      },
    });
    const ok = new ModuleInstance(moduleInstance('ok', module), AGENT, '/m', captureLogger('ops', ops));
    await ok.start(deps);
    await ok.start(deps);
    expect(setups).toBe(1);
    expect(ok.tools.map((t) => t.name)).toEqual(['ok_t']);
    const failed = new ModuleInstance(
      moduleInstance('f', module, { failure: { status: 'failed_init', error: 'Error: x' } }),
      AGENT,
      '/m',
      captureLogger('ops', ops),
    );
    await failed.start(deps);
    expect(setups).toBe(1);
    expect(failed.status).toBe('failed_init');
    expect(failed.error).toBe('Error: x');
    await failed.stop();
    expect(failed.status).toBe('failed_init');
  });

  it('does not tear down a module that never started', async () => {
    let teardowns = 0;
    const module = defineModule({
      name: 'td',
      description: '',
      config: z.strictObject({}),
      teardown: () => {
        teardowns++;
      },
      tools: {},
    });
    const inst = new ModuleInstance(moduleInstance('td', module), AGENT, '/m', captureLogger('ops', ops));
    await inst.stop();
    expect(teardowns).toBe(0);
    await inst.start(deps);
    await inst.stop();
    await inst.stop();
    expect(teardowns).toBe(1);
  });
});
