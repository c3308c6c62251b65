// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are manifest text with ${VAR} placeholders.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  environOf,
  everythingConfig,
  fixtureConfig,
  processTree,
  withoutGuards,
  type ProxyAgent,
  readEvents,
  startAgent,
  writeManifest,
} from '../fixtures/upstreams/proxy-support.js';
import { findLeaks } from '../helpers/leaks.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const SAFE = ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];

describe('mcp_proxy credentials: stdio upstreams get only what the manifest gives them', () => {
  // Set in scoped-mcp's own environment and named nowhere in the manifest: must reach no upstream.
  const canary = `proxy-canary-${randomUUID()}-p/q+r&s"t`;
  // Declared in the manifest, each for one upstream only.
  const fxToken = `fx-token-${randomUUID()}`;
  const evSource = `ev-source-${randomUUID()}`;
  const credValue = `cred-value-${randomUUID()}`;
  let dir: string;
  let events: string;
  let agent: ProxyAgent;
  const results: string[] = [];
  let fxEnv: Record<string, string>;
  let evEnv: Record<string, string>;
  let credEnv: Record<string, string>;
  let credSeenByAgent: Record<string, string>;

  beforeAll(async () => {
    dir = await makeTempDir('proxy-cred');
    events = join(dir, 'events.jsonl');
    const manifest = await writeManifest(dir, {
      fx: {
        config: fixtureConfig({ FIXTURE_NAME: 'fx', FIXTURE_EVENTS: events }, { env: { FX_TOKEN: fxToken } }),
      },
      ev: { config: everythingConfig({ env: { EV_TOKEN: '${EV_SOURCE}' } }) },
      cred: {
        config: fixtureConfig(
          { FIXTURE_NAME: 'cred' },
          { credential_env: ['CRED_KEY'], inherit_env: ['LANG'] },
        ),
      },
    });
    agent = await startAgent({
      manifest,
      dir,
      capabilities: { sampling: {}, roots: {} },
      roots: [{ uri: 'file:///agent/root' }],
      onSampling: () => ({ role: 'assistant', content: { type: 'text', text: 'ok' }, model: 'm' }),
      env: {
        PROXY_CANARY: canary,
        AWS_SECRET_ACCESS_KEY: canary,
        EV_SOURCE: evSource,
        CRED_KEY: credValue,
        LANG: 'C.UTF-8',
        SCOPED_MCP_LOG_LEVEL: 'debug',
      },
    });
    const session: [string, Record<string, unknown>][] = [
      ['fx_env', {}],
      ['ev_get_env', {}],
      ['cred_env', {}],
      ['fx_echo', { message: 'hello' }],
      ['fx_fail', {}],
      ['fx_throw', {}],
      ['fx_strict', { count: 'bad' }],
      ['fx_sample', { prompt: 'p' }],
      ['fx_roots', {}],
      ['fx_log', { level: 'error', message: 'log line' }],
      ['fx_client_info', {}],
      ['ev_echo', { message: 'hi' }],
      ['ev_no_such_tool', {}],
      ['scoped_mcp_status', {}],
    ];
    for (const [tool, args] of session) {
      const result = await agent.call(tool, args);
      results.push(JSON.stringify(result.raw));
      if (tool === 'cred_env') credSeenByAgent = result.json();
    }
    // The truth about each upstream's environment, from the process table (what the tools report may be
    // redacted on its way to the agent).
    const children = withoutGuards(await processTree(agent.pid)).filter((p) => p.pid !== agent.pid);
    const environs = await Promise.all(children.map((p) => environOf(p.pid)));
    fxEnv = environs.find((e) => e.FIXTURE_NAME === 'fx')!;
    credEnv = environs.find((e) => e.FIXTURE_NAME === 'cred')!;
    evEnv = environs.find((e) => e !== fxEnv && e !== credEnv)!;
    await agent.close();
  });
  afterAll(async () => {
    await agent?.close();
    await removeTempDir(dir);
  });

  it("the fixture upstream's environment is the safe set plus its own env: entries, nothing else", () => {
    const allowed = new Set([...SAFE, 'FX_TOKEN', 'FIXTURE_NAME', 'FIXTURE_EVENTS']);
    expect(Object.keys(fxEnv).filter((k) => !allowed.has(k))).toEqual([]);
    expect(fxEnv.FX_TOKEN).toBe(fxToken);
    expect(fxEnv).not.toHaveProperty('CRED_KEY');
    expect(fxEnv).not.toHaveProperty('EV_TOKEN');
    expect(fxEnv).not.toHaveProperty('LANG');
  });

  it('server-everything (get-env) sees its ${VAR}-expanded env: value and nothing of the proxy', () => {
    const allowed = new Set([...SAFE, 'EV_TOKEN']);
    expect(Object.keys(evEnv).filter((k) => !allowed.has(k))).toEqual([]);
    expect(evEnv.EV_TOKEN).toBe(evSource);
    expect(evEnv).not.toHaveProperty('FX_TOKEN');
    expect(evEnv).not.toHaveProperty('EV_SOURCE');
  });

  it('credential_env copies the declared key from the credential source; inherit_env copies the named variable', () => {
    const allowed = new Set([...SAFE, 'CRED_KEY', 'LANG', 'FIXTURE_NAME']);
    expect(Object.keys(credEnv).filter((k) => !allowed.has(k))).toEqual([]);
    expect(credEnv.CRED_KEY).toBe(credValue);
    expect(credEnv.LANG).toBe('C.UTF-8');
  });

  it('a credential the upstream echoes back is redacted before it reaches the agent', () => {
    expect(credSeenByAgent).toHaveProperty('CRED_KEY');
    expect(credSeenByAgent.CRED_KEY).not.toBe(credValue);
    expect(findLeaks(results.join('\n'), credValue)).toEqual([]);
  });

  it('the proxy-environment canary is in no upstream environment', () => {
    for (const env of [fxEnv, evEnv, credEnv]) expect(findLeaks(JSON.stringify(env), canary)).toEqual([]);
  });

  it('the canary is in no result, error, stdout frame, stderr, audit or ops log line', async () => {
    const channels: Record<string, string> = {
      'tool results': results.join('\n'),
      'stdout frames': agent.stdout(),
      stderr: agent.stderr(),
      'audit log': await readFile(agent.auditLog, 'utf8'),
      'ops log': await readFile(agent.opsLog, 'utf8'),
      'upstream events': await readFile(events, 'utf8'),
    };
    for (const [channel, text] of Object.entries(channels)) {
      expect(findLeaks(text, canary), channel).toEqual([]);
    }
  });

  it("no upstream's credential appears in the ops log or stderr", async () => {
    const ops = await readFile(agent.opsLog, 'utf8');
    for (const secret of [fxToken, evSource, credValue]) {
      expect(findLeaks(ops, secret)).toEqual([]);
      expect(findLeaks(agent.stderr(), secret)).toEqual([]);
    }
  });

  it('the canary never reached the fixture even as an argument or _meta', async () => {
    const seen = await readEvents(events);
    expect(seen.length).toBeGreaterThan(0);
    expect(findLeaks(JSON.stringify(seen), canary)).toEqual([]);
  });
});
