// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are manifest text with ${VAR} placeholders.
import { readFile } from 'node:fs/promises';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentSession,
  connectAgent,
  eventually,
  type HttpUpstream,
  readEvents,
  STDIO_UPSTREAM,
  startAgent,
  startHttpUpstream,
  writeManifest,
} from '../fixtures/upstreams/proxy-support.js';
import { findLeaks } from '../helpers/leaks.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const TOKEN = 'http-upstream-token-7f3a9c1e5b';

describe('mcp_proxy → streamable-HTTP upstream on 127.0.0.1', () => {
  let dir: string;
  let upstream: HttpUpstream;
  let agent: AgentSession | undefined;

  beforeAll(async () => {
    dir = await makeTempDir('proxy-http');
    upstream = await startHttpUpstream(dir, { FIXTURE_NAME: 'web' });
  });
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });
  afterAll(async () => {
    await upstream?.close();
    await removeTempDir(dir);
  });

  async function manifestFor(config: Record<string, unknown>) {
    return writeManifest(dir, {
      web: {
        config: {
          url: upstream.url,
          headers: { Authorization: 'Bearer ${UPSTREAM_TOKEN}', 'X-Tenant': 'tenant-${AGENT_ID}' },
          ...config,
        },
      },
    });
  }

  /** The manifest's server in memory: what the proxy does over HTTP needs no process of its own. */
  async function start(config: Record<string, unknown> = {}, env: Record<string, string> = {}) {
    const manifest = await manifestFor(config);
    agent = await connectAgent({
      manifest,
      dir,
      agentId: 'web-agent',
      env: { UPSTREAM_TOKEN: TOKEN, ...env },
    });
    return agent;
  }

  /** The CLI process, for what only a process shows: its stderr, and its end on stdin EOF. */
  async function startProcess(config: Record<string, unknown> = {}, env: Record<string, string> = {}) {
    const manifest = await manifestFor(config);
    const running = await startAgent({
      manifest,
      dir,
      agentId: 'web-agent',
      env: { UPSTREAM_TOKEN: TOKEN, ...env },
    });
    agent = running;
    return running;
  }

  it('lists and calls the upstream tools under the instance prefix', async () => {
    const running = await start();
    const names = await running.toolNames();
    expect(names).toEqual(
      expect.arrayContaining(['web_echo', 'web_structured', 'web_content', 'web_strict']),
    );
    expect((await running.call('web_echo', { message: 'over http' })).text).toBe('echo: over http');
    const structured = await running.call('web_structured', { city: 'Lyon' });
    expect(structured.raw.structuredContent).toEqual({
      city: 'Lyon',
      temperature: 21.5,
      conditions: 'sunny',
    });
    const content = await running.call('web_content');
    expect(content.raw.content.map((b) => b.type)).toEqual([
      'text',
      'image',
      'audio',
      'resource_link',
      'resource',
      'resource',
    ]);
  });

  it('sends the manifest headers with ${VAR} expanded on every request, and never logs the token', async () => {
    const running = await startProcess();
    await running.call('web_echo', { message: 'h' });
    const requests = (await readEvents(upstream.eventsFile)).filter((e) => e.event === 'http_request');
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests.slice(-3)) {
      expect(request.headers).toMatchObject({
        authorization: `Bearer ${TOKEN}`,
        'x-tenant': 'tenant-web-agent',
      });
    }
    await running.close();
    const logs = [
      await readFile(running.opsLog, 'utf8'),
      await readFile(running.auditLog, 'utf8'),
      running.stderr(),
    ];
    for (const text of logs) expect(findLeaks(text, TOKEN)).toEqual([]);
  });

  it('ends its HTTP session with DELETE (terminateSession) when the agent goes away', async () => {
    const running = await startProcess();
    await running.call('web_echo', { message: 'session' });
    const session = (await readEvents(upstream.eventsFile))
      .filter((e) => e.event === 'http_session_start')
      .at(-1)!.session as string;
    running.endStdin();
    await running.exited;
    const ended = await eventually(
      async () =>
        (await readEvents(upstream.eventsFile)).find(
          (e) => e.event === 'http_session_end' && e.session === session,
        ),
      'the upstream session to be terminated',
      5000,
    );
    expect(ended).toBeDefined();
    const deletes = (await readEvents(upstream.eventsFile)).filter(
      (e) => e.event === 'http_request' && e.method === 'DELETE' && e.session === session,
    );
    expect(deletes).toHaveLength(1);
  });

  it('a credential in the URL query (${VAR}) reaches the upstream but no log line and no agent-visible text', async () => {
    const secret = 'url-query-secret-4b1d7e';
    const running = await startProcess(
      { url: `${upstream.url}?api_key=\${URL_TOKEN}` },
      { URL_TOKEN: secret },
    );
    const texts = [
      JSON.stringify((await running.call('web_echo', { message: 'q' })).raw),
      JSON.stringify((await running.call('web_throw')).raw),
      JSON.stringify((await running.call('web_strict', { count: 0 })).raw),
      JSON.stringify((await running.call('scoped_mcp_status')).raw),
    ];
    await running.close();
    const requests = (await readEvents(upstream.eventsFile)).filter((e) => e.event === 'http_request');
    expect(requests.some((e) => String(e.url).includes(`api_key=${secret}`))).toBe(true);
    const channels = {
      results: texts.join('\n'),
      'ops log': await readFile(running.opsLog, 'utf8'),
      'audit log': await readFile(running.auditLog, 'utf8'),
      stderr: running.stderr(),
    };
    for (const [channel, text] of Object.entries(channels))
      expect(findLeaks(text, secret), channel).toEqual([]);
  });

  it('forwards progress over HTTP', async () => {
    const running = await start();
    const seen: Progress[] = [];
    const result = await running.call(
      'web_progress',
      { steps: 3, delay_ms: 30 },
      { onprogress: (p) => seen.push(p) },
    );
    expect(result.text).toBe('progressed 3');
    expect(seen.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.progress).toBeGreaterThan(seen[i - 1]!.progress);
  });

  it('validates arguments against the upstream schema before sending anything', async () => {
    const running = await start();
    const before = (await readEvents(upstream.eventsFile)).filter((e) => e.event === 'tool_call').length;
    const result = await running.call('web_strict', { count: -3 });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('count');
    expect((await readEvents(upstream.eventsFile)).filter((e) => e.event === 'tool_call').length).toBe(
      before,
    );
  });

  it('uses streamable HTTP (not legacy SSE) for a streamable endpoint', async () => {
    await start();
    const legacy = (await readEvents(upstream.eventsFile)).filter(
      (e) => e.event === 'http_request' && e.legacy === true,
    );
    expect(legacy).toEqual([]);
  });

  it('recovers when the upstream forgets the session (as after a server restart)', async () => {
    const running = await start({ restart: { max_backoff_seconds: 1 } });
    expect((await running.call('web_echo', { message: 'before' })).text).toBe('echo: before');
    await fetch(new URL('/admin/drop-sessions', upstream.url), { method: 'POST' });
    const after = await eventually(async () => {
      const result = await running.call('web_echo', { message: 'after' });
      return result.isError ? undefined : result;
    }, 'a call to succeed on a new session');
    expect(after.text).toBe('echo: after');
  });
});

describe('mcp_proxy → HTTP upstream variants', () => {
  let dir: string;
  let upstream: HttpUpstream | undefined;
  let agent: AgentSession | undefined;

  beforeAll(async () => {
    dir = await makeTempDir('proxy-http-variants');
  });
  afterEach(async () => {
    await agent?.close();
    await upstream?.close();
    agent = undefined;
    upstream = undefined;
  });
  afterAll(async () => {
    await removeTempDir(dir);
  });

  it('JSON responses (enableJsonResponse) work', async () => {
    upstream = await startHttpUpstream(dir, { FIXTURE_HTTP_JSON: '1' });
    const manifest = await writeManifest(dir, { web: { config: { url: upstream.url } } }, 'json.yml');
    agent = await startAgent({ manifest, dir });
    expect((await agent.call('web_echo', { message: 'json' })).text).toBe('echo: json');
  });

  it('a legacy HTTP+SSE endpoint works through the SSE fallback', async () => {
    upstream = await startHttpUpstream(dir);
    const manifest = await writeManifest(dir, { old: { config: { url: upstream.sseUrl } } }, 'sse.yml');
    agent = await startAgent({ manifest, dir });
    expect((await agent.call('old_echo', { message: 'sse' })).text).toBe('echo: sse');
    const legacy = (await readEvents(upstream.eventsFile)).filter((e) => e.event === 'sse_session_start');
    expect(legacy.length).toBeGreaterThanOrEqual(1);
  });

  it('an HTTP upstream that dies mid-call: the call fails (no hang), the proxy keeps serving', async () => {
    upstream = await startHttpUpstream(dir);
    const manifest = await writeManifest(
      dir,
      {
        web: { config: { url: upstream.url } },
        local: {
          config: { command: process.execPath, args: [STDIO_UPSTREAM], env: { FIXTURE_TOOLSET: 'echo' } },
        },
      },
      'dies.yml',
    );
    agent = await startAgent({ manifest, dir });
    const events = upstream.eventsFile;
    const call = agent.call('web_slow', { ms: 20_000 });
    await eventually(
      async () => (await readEvents(events)).find((e) => e.event === 'slow_started'),
      'the slow call to reach the HTTP upstream',
    );
    process.kill(upstream.pid, 'SIGKILL');
    const failed = await call;
    expect(failed.isError).toBe(true);
    expect(failed.text.split('\n')).toHaveLength(1);
    expect(failed.text).not.toContain(upstream.url);
    expect((await agent.call('local_echo', { message: 'alive' })).text).toBe('echo: alive');
  });

  it('an unreachable upstream fails its instance only; scoped_mcp_status shows it', async () => {
    upstream = await startHttpUpstream(dir);
    const dead = new URL(upstream.url);
    await upstream.close();
    const manifest = await writeManifest(
      dir,
      {
        gone: { config: { url: dead.href, discovery_timeout_seconds: 2 } },
        other: { type: 'filesystem', config: { base_path: `${dir}/files` } },
      },
      'dead.yml',
    );
    agent = await startAgent({ manifest, dir });
    const status = (await agent.call('scoped_mcp_status')).json<{
      modules: Record<string, { status: string }>;
    }>();
    expect(status.modules.gone?.status).toMatch(/^failed/);
    expect(status.modules.other?.status).toBe('running');
    expect(await agent.toolNames()).toContain('other_list_dir');
  });
});
