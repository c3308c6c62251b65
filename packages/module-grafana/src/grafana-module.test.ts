import { readErrorMeta } from '@scoped-mcp/core';
import { connectInMemory } from '@scoped-mcp/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BASE_PATH, type GrafanaWorld, grafanaWorld, TOKEN } from './__fixtures__/grafana-world.js';
import grafana from './index.js';

let world: GrafanaWorld;
beforeEach(async () => {
  world = await grafanaWorld();
});
afterEach(() => world.close());

describe('the agent folder', () => {
  it('is created on first use, titled agent-{agent_id}, and cached', async () => {
    const agent = await world.agent('ops-01');
    expect(world.server.requests).toEqual([]); // setup asks Grafana nothing
    expect((await agent.call('list_dashboards')).isError).toBe(false);
    expect((await agent.call('list_dashboards')).isError).toBe(false);
    expect(world.server.folders.map((f) => f.title)).toEqual(['agent-ops-01']);
    const folderCalls = world.server.requests.filter((r) => r.path === '/api/folders');
    expect(folderCalls.map((r) => r.method)).toEqual(['GET', 'POST']);
    expect(folderCalls[1]?.body).toEqual({ title: 'agent-ops-01' });
    expect(world.server.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('is found when it exists, and shared by calls made at the same time', async () => {
    world.server.addFolder('General-ish');
    const folderUid = world.server.addFolder('agent-ops-01');
    const agent = await world.agent('ops-01');
    await Promise.all([
      agent.call('list_dashboards'),
      agent.call('list_dashboards'),
      agent.call('list_dashboards'),
    ]);
    expect(world.server.requests.filter((r) => r.path === '/api/folders')).toHaveLength(1);
    expect(world.server.requests.find((r) => r.path === '/api/search')?.query.get('folderUIDs')).toBe(
      folderUid,
    );
  });

  it('is read again when another process created it first (409)', async () => {
    const agent = await world.agent('ops-01');
    // The other process's folder appears between this one's lookup and its create.
    world.server.override('POST /api/folders', {
      status: 409,
      body: { message: 'a folder with the same name already exists' },
    });
    world.server.override('GET /api/folders', { status: 200, body: [] });
    const theirs = world.server.addFolder('agent-ops-01');
    expect((await agent.call('list_dashboards')).isError).toBe(false);
    const search = world.server.requests.find((r) => r.path === '/api/search');
    expect(search?.query.get('folderUIDs')).toBe(theirs);
    expect(world.server.folders).toHaveLength(1);
  });

  it('is looked up again after a failed lookup', async () => {
    const agent = await world.agent('ops-01');
    world.server.override('GET /api/folders', { status: 503, body: { message: 'down' } });
    expect((await agent.call('list_dashboards')).isError).toBe(true);
    expect((await agent.call('list_dashboards')).isError).toBe(false);
  });

  it('reads every page of folders', async () => {
    for (let i = 0; i < 1000; i++) world.server.addFolder(`team-${i}`);
    const folderUid = world.server.addFolder('agent-ops-01');
    const agent = await world.agent('ops-01');
    expect((await agent.call('list_dashboards')).isError).toBe(false);
    expect(
      world.server.requests.filter((r) => r.path === '/api/folders').map((r) => r.query.get('page')),
    ).toEqual(['1', '2']);
    expect(world.server.requests.find((r) => r.path === '/api/search')?.query.get('folderUIDs')).toBe(
      folderUid,
    );
  });
});

describe('dashboards', () => {
  it('create_dashboard posts to the agent folder with overwrite false and a null uid and id', async () => {
    const agent = await world.agent('ops-01');
    const result = await agent.call('create_dashboard', {
      title: 'Container Health',
      panels: [{ title: 'CPU by Container', type: 'timeseries' }],
    });
    expect(result.isError).toBe(false);
    const post = world.server.requests.find((r) => r.path === '/api/dashboards/db');
    const folderUid = world.server.folders[0]?.uid;
    expect(post?.body).toEqual({
      dashboard: {
        id: null,
        uid: null,
        title: 'Container Health',
        panels: [{ title: 'CPU by Container', type: 'timeseries' }],
        schemaVersion: 38,
      },
      folderUid,
      overwrite: false,
    });
    const answer = result.json<{ uid: string; status: string }>();
    expect(answer.status).toBe('success');
    expect(result.raw.structuredContent).toMatchObject({ uid: answer.uid, folderUid });
  });

  it('list_dashboards lists the agent folder only', async () => {
    const agent = await world.agent('ops-01');
    await agent.call('create_dashboard', { title: 'Mine', panels: [] });
    world.server.addDashboard('Operator board', world.server.addFolder('Operators'));
    world.server.addDashboard('General board', undefined);
    const listed = (await agent.call('list_dashboards')).json<{ title: string }[]>();
    expect(listed.map((d) => d.title)).toEqual(['Mine']);
    const search = world.server.requests.find((r) => r.path === '/api/search');
    expect(search?.query.get('type')).toBe('dash-db');
  });

  it('get_dashboard returns { dashboard, meta } of a dashboard in the agent folder', async () => {
    const agent = await world.agent('ops-01');
    const { uid } = (await agent.call('create_dashboard', { title: 'Mine', panels: [{ title: 'p' }] })).json<{
      uid: string;
    }>();
    const got = await agent.call('get_dashboard', { uid });
    expect(got.isError).toBe(false);
    expect(got.json()).toMatchObject({
      dashboard: { uid, title: 'Mine', panels: [{ title: 'p' }] },
      meta: {},
    });
  });

  it('update_dashboard replaces the panels, keeps the rest, and sends the version it read', async () => {
    const agent = await world.agent('ops-01');
    const { uid } = (
      await agent.call('create_dashboard', { title: 'Mine', panels: [{ title: 'old' }] })
    ).json<{
      uid: string;
    }>();
    const updated = await agent.call('update_dashboard', { uid, panels: [{ title: 'new' }] });
    expect(updated.isError).toBe(false);
    const posts = world.server.requests.filter((r) => r.path === '/api/dashboards/db');
    expect(posts[1]?.body).toMatchObject({
      dashboard: { uid, title: 'Mine', version: 1, panels: [{ title: 'new' }] },
      folderUid: world.server.folders[0]?.uid,
      overwrite: false,
    });
    expect(world.server.dashboards.get(uid)?.dashboard).toMatchObject({
      version: 2,
      panels: [{ title: 'new' }],
    });
  });

  it('update_dashboard refuses to overwrite a dashboard changed since it was read', async () => {
    const agent = await world.agent('ops-01');
    const { uid } = (await agent.call('create_dashboard', { title: 'Mine', panels: [] })).json<{
      uid: string;
    }>();
    world.server.override('POST /api/dashboards/db', {
      status: 412,
      body: { message: 'The dashboard has been changed by someone else', status: 'version-mismatch' },
    });
    const result = await agent.call('update_dashboard', { uid, panels: [] });
    expect(result.isError).toBe(true);
    expect(result.text).toContain('changed while it was being updated');
    expect(readErrorMeta(result.raw)?.code).toBe('SMCP_TOOL_INPUT');
  });

  it('delete_dashboard deletes a dashboard of the agent folder', async () => {
    const agent = await world.agent('ops-01');
    const { uid } = (await agent.call('create_dashboard', { title: 'Mine', panels: [] })).json<{
      uid: string;
    }>();
    const deleted = await agent.call('delete_dashboard', { uid });
    expect(deleted.isError).toBe(false);
    expect(deleted.json()).toMatchObject({ title: 'Mine' });
    expect(world.server.dashboards.has(uid)).toBe(false);
    const del = world.server.requests.find((r) => r.method === 'DELETE');
    expect(del?.rawPath).toBe(`${BASE_PATH}/api/dashboards/uid/${uid}`);
  });

  it('a dashboard that does not exist is a plain not-found', async () => {
    const agent = await world.agent('ops-01');
    const result = await agent.call('get_dashboard', { uid: 'nope' });
    expect(result.isError).toBe(true);
    expect(result.text).toContain("Dashboard 'nope' not found");
  });

  it("Grafana's refusal of a duplicate title reaches the agent as input to fix", async () => {
    const agent = await world.agent('ops-01');
    await agent.call('create_dashboard', { title: 'Same', panels: [] });
    const again = await agent.call('create_dashboard', { title: 'Same', panels: [] });
    expect(again.isError).toBe(true);
    expect(again.text).toContain('A dashboard with the same name in the folder already exists');
    expect(readErrorMeta(again.raw)?.code).toBe('SMCP_TOOL_INPUT');
  });
});

describe('datasources', () => {
  it('list_datasources shows the allowlisted ones only, without connection details', async () => {
    const prometheus = world.server.addDatasource('Prometheus');
    world.server.addDatasource('Billing DB', 'postgres');
    const agent = await world.agent('ops-01');
    const listed = await agent.call('list_datasources');
    expect(listed.json()).toEqual([
      {
        uid: prometheus,
        name: 'Prometheus',
        type: 'prometheus',
        typeName: 'Prometheus',
        isDefault: false,
        readOnly: false,
      },
    ]);
    expect(listed.text).not.toContain('prometheus.internal');
    expect(listed.text).not.toContain('scraper');
  });

  it('query_datasource resolves the name and posts the query with a time range', async () => {
    const prometheus = world.server.addDatasource('Prometheus');
    const agent = await world.agent('ops-01');
    const result = await agent.call('query_datasource', {
      datasource: 'Prometheus',
      query: 'up{job="node"}',
    });
    expect(result.isError).toBe(false);
    expect(result.json()).toMatchObject({ results: { A: { status: 200 } } });
    const post = world.server.requests.find((r) => r.path === '/api/ds/query');
    expect(post?.body).toEqual({
      queries: [{ refId: 'A', datasource: { uid: prometheus, type: 'prometheus' }, expr: 'up{job="node"}' }],
      from: 'now-1h',
      to: 'now',
    });
    const lookup = world.server.requests.find((r) => r.path.startsWith('/api/datasources/name/'));
    expect(lookup?.rawPath).toBe(`${BASE_PATH}/api/datasources/name/Prometheus`);
  });

  it('a datasource name with a space is percent-encoded in the path', async () => {
    world.server.addDatasource('Node Exporter');
    const agent = await world.agent('ops-01', { config: { allowed_datasources: ['Node Exporter'] } });
    expect((await agent.call('query_datasource', { datasource: 'Node Exporter', query: 'up' })).isError).toBe(
      false,
    );
    const lookup = world.server.requests.find((r) => r.path.startsWith('/api/datasources/name/'));
    expect(lookup?.rawPath).toBe(`${BASE_PATH}/api/datasources/name/Node%20Exporter`);
  });
});

describe('alert rules', () => {
  const data = (datasourceUid: string) => [
    { refId: 'A', datasourceUid, relativeTimeRange: { from: 600, to: 0 }, model: { expr: 'up == 0' } },
    { refId: 'C', datasourceUid: '__expr__', model: { type: 'threshold', expression: 'A' } },
  ];

  it('create_alert_rule places the rule in the agent folder and rule group', async () => {
    const prometheus = world.server.addDatasource('Prometheus');
    const agent = await world.agent('ops-01');
    const result = await agent.call('create_alert_rule', {
      name: 'Node down',
      condition: { data: data(prometheus), for: '10m', labels: { severity: 'page' } },
    });
    expect(result.isError).toBe(false);
    const post = world.server.requests.find((r) => r.path === '/api/v1/provisioning/alert-rules');
    expect(post?.body).toEqual({
      title: 'Node down',
      condition: 'C',
      data: data(prometheus),
      folderUID: world.server.folders[0]?.uid,
      ruleGroup: 'agent-ops-01',
      noDataState: 'NoData',
      execErrState: 'Error',
      for: '10m',
      labels: { severity: 'page' },
    });
    expect(result.json()).toMatchObject({ title: 'Node down', ruleGroup: 'agent-ops-01' });
  });

  it("'for' defaults to 5m, as in the reference", async () => {
    const agent = await world.agent('ops-01');
    await agent.call('create_alert_rule', {
      name: 'Math only',
      condition: {
        data: [{ refId: 'C', datasourceUid: '__expr__', model: { type: 'math', expression: '1' } }],
      },
    });
    const post = world.server.requests.find((r) => r.path === '/api/v1/provisioning/alert-rules');
    expect(post?.body).toMatchObject({ for: '5m' });
  });
});

describe('over MCP', () => {
  it('serves the reference tool names, read mode the four read tools', async () => {
    const write = await connectInMemory(grafana, {
      credentials: { GRAFANA_URL: world.server.url, GRAFANA_SERVICE_ACCOUNT_TOKEN: TOKEN },
    });
    const read = await connectInMemory(grafana, {
      credentials: { GRAFANA_URL: world.server.url, GRAFANA_SERVICE_ACCOUNT_TOKEN: TOKEN },
      mode: 'read',
    });
    try {
      expect((await write.toolNames()).sort()).toEqual([
        'grafana_create_alert_rule',
        'grafana_create_dashboard',
        'grafana_delete_dashboard',
        'grafana_get_dashboard',
        'grafana_list_dashboards',
        'grafana_list_datasources',
        'grafana_query_datasource',
        'grafana_update_dashboard',
        'scoped_mcp_status',
      ]);
      expect((await read.toolNames()).sort()).toEqual([
        'grafana_get_dashboard',
        'grafana_list_dashboards',
        'grafana_list_datasources',
        'grafana_query_datasource',
        'scoped_mcp_status',
      ]);
      const listed = await write.call('grafana_list_dashboards', {});
      expect(listed.isError).toBe(false);
      expect(listed.raw.structuredContent).toEqual({ result: [] });
    } finally {
      await write.close();
      await read.close();
    }
  });
});
