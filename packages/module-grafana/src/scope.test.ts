import { readErrorMeta } from '@scoped-mcp/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type GrafanaWorld, grafanaWorld } from './__fixtures__/grafana-world.js';

let world: GrafanaWorld;
beforeEach(async () => {
  world = await grafanaWorld();
});
afterEach(() => world.close());

const code = (result: { raw: Parameters<typeof readErrorMeta>[0] }) => readErrorMeta(result.raw)?.code;

describe('another agent’s dashboards', () => {
  async function twoAgents() {
    const mine = await world.agent('ops-01');
    const theirs = await world.agent('ops-02');
    const { uid } = (
      await theirs.call('create_dashboard', { title: 'Theirs', panels: [{ title: 'x' }] })
    ).json<{
      uid: string;
    }>();
    world.server.requests.length = 0;
    return { mine, uid };
  }

  it.each([
    ['get_dashboard', {}],
    ['update_dashboard', { panels: [{ title: 'defaced' }] }],
    ['delete_dashboard', {}],
  ])('%s is refused with the reference message, and nothing is written', async (tool, extra) => {
    const { mine, uid } = await twoAgents();
    const result = await mine.call(tool, { uid, ...extra });
    expect(result.isError).toBe(true);
    expect(result.text).toBe(`Dashboard '${uid}' is not in the agent folder 'agent-ops-01'`);
    expect(code(result)).toBe('SMCP_SCOPE_VIOLATION');
    // Only reads: the folder lookup and the dashboard's own folder; no POST or DELETE reached Grafana.
    expect(world.server.backendRequests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /api/dashboards/uid/${uid}`,
    ]);
    expect(world.server.dashboards.get(uid)?.dashboard).toMatchObject({
      title: 'Theirs',
      panels: [{ title: 'x' }],
    });
    expect(
      mine.audit.some((line) => line.event === 'scope_violation' || line.status === 'scope_violation'),
    ).toBe(true);
  });

  it('operator dashboards in General or another folder are refused the same way', async () => {
    const mine = await world.agent('ops-01');
    const general = world.server.addDashboard('Home', undefined);
    const operators = world.server.addDashboard('Prod', world.server.addFolder('Operators'));
    for (const uid of [general, operators]) {
      const result = await mine.call('delete_dashboard', { uid });
      expect(code(result)).toBe('SMCP_SCOPE_VIOLATION');
      expect(world.server.dashboards.has(uid)).toBe(true);
    }
  });

  it('an agent named like a prefix of another does not share its folder', async () => {
    const a = await world.agent('a');
    const ab = await world.agent('a-b');
    const { uid } = (await ab.call('create_dashboard', { title: 'AB', panels: [] })).json<{ uid: string }>();
    expect(code(await a.call('get_dashboard', { uid }))).toBe('SMCP_SCOPE_VIOLATION');
    expect((await a.call('list_dashboards')).json()).toEqual([]);
    expect(world.server.folders.map((f) => f.title).sort()).toEqual(['agent-a', 'agent-a-b']);
  });

  it('list_dashboards filters the answer itself when Grafana ignores folderUIDs', async () => {
    const mine = await world.agent('ops-01');
    await mine.call('create_dashboard', { title: 'Mine', panels: [] });
    world.server.addDashboard('Prod', world.server.addFolder('Operators'));
    world.server.addDashboard('Home', undefined);
    world.server.ignoreFolderFilter = true;
    const listed = (await mine.call('list_dashboards')).json<{ title: string }[]>();
    expect(listed.map((d) => d.title)).toEqual(['Mine']);
  });
});

describe('dashboard uids are validated before any request', () => {
  const corpus = [
    '../folders',
    'abc/../../api/admin/users',
    'a%2F..%2Fb',
    'uid?folderUid=x',
    'uid#x',
    'a b',
    '',
    'x'.repeat(41),
    'ünïcode',
    'a\u0000b',
    'a\r\nX-Injected: 1',
    '%2e%2e',
    '.',
    '..',
  ];

  it.each(corpus)('%j is refused', async (uid) => {
    const agent = await world.agent('ops-01');
    for (const tool of ['get_dashboard', 'delete_dashboard']) {
      const result = await agent.call(tool, { uid });
      expect(result.isError).toBe(true);
      expect(code(result)).toBe('SMCP_TOOL_INPUT');
    }
    expect(world.server.requests).toEqual([]);
  });
});

describe('datasources', () => {
  it('without an allowlist list_datasources answers [] and asks Grafana nothing (fail closed)', async () => {
    world.server.addDatasource('Prometheus');
    const agent = await world.agent('ops-01', { config: { allowed_datasources: [] } });
    const listed = await agent.call('list_datasources');
    expect(listed.json()).toEqual([]);
    expect(world.server.requests).toEqual([]);
  });

  it('without an allowlist query_datasource is disabled', async () => {
    world.server.addDatasource('Prometheus');
    const agent = await world.agent('ops-01', { config: { allowed_datasources: [] } });
    const result = await agent.call('query_datasource', { datasource: 'Prometheus', query: 'up' });
    expect(code(result)).toBe('SMCP_SCOPE_VIOLATION');
    expect(result.text).toContain('disabled by default');
    expect(world.server.requests).toEqual([]);
  });

  it.each(['Billing DB', 'prometheus', 'Prometheus ', '../Prometheus', 'Prometheus/../Billing DB'])(
    'query_datasource refuses %j, which is not exactly an allowlisted name',
    async (datasource) => {
      world.server.addDatasource('Prometheus');
      world.server.addDatasource('Billing DB', 'postgres');
      const agent = await world.agent('ops-01');
      const result = await agent.call('query_datasource', { datasource, query: 'select 1' });
      expect(code(result)).toBe('SMCP_SCOPE_VIOLATION');
      expect(result.text).toContain('is not in the allowed datasources');
      expect(world.server.requests).toEqual([]);
    },
  );

  it('the allowlist is checked at startup against the reference pattern', async () => {
    await expect(
      world.agent('ops-01', { config: { allowed_datasources: ['ok', 'bad/name'] } }),
    ).rejects.toThrow(/allowed_datasources/);
    await expect(world.agent('ops-01', { config: { allowed_datasources: 'Prometheus' } })).rejects.toThrow(
      /allowed_datasources/,
    );
  });
});

describe('create_dashboard cannot choose its uid, id or folder', () => {
  it('panels and title that name a uid, id or folder change nothing of the placement', async () => {
    const other = world.server.addFolder('Operators');
    world.server.addDashboard('Prod', other, 'prod-main');
    const agent = await world.agent('ops-01');
    const result = await agent.call('create_dashboard', {
      title: '{"uid":"prod-main","folderUid":"x"}',
      panels: [
        { uid: 'prod-main', id: 1, folderUid: other, dashboard: { uid: 'prod-main' }, overwrite: true },
      ],
    });
    expect(result.isError).toBe(false);
    const post = world.server.requests.find((r) => r.path === '/api/dashboards/db')?.body as {
      dashboard: Record<string, unknown>;
      folderUid: string;
      overwrite: boolean;
    };
    expect(post.dashboard.uid).toBeNull();
    expect(post.dashboard.id).toBeNull();
    expect(post.folderUid).toBe(world.server.folders.find((f) => f.title === 'agent-ops-01')?.uid);
    expect(post.overwrite).toBe(false);
    expect(Object.keys(post).sort()).toEqual(['dashboard', 'folderUid', 'overwrite']);
    expect(world.server.dashboards.get('prod-main')?.dashboard.title).toBe('Prod');
  });

  it('extra top-level arguments are refused, not passed on', async () => {
    const agent = await world.agent('ops-01');
    const result = await agent.call('create_dashboard', {
      title: 't',
      panels: [],
      folderUid: 'x',
      overwrite: true,
    });
    expect(code(result)).toBe('SMCP_TOOL_INPUT');
    expect(world.server.requests).toEqual([]);
  });

  it('update_dashboard keeps the uid and folder of the dashboard it checked', async () => {
    const agent = await world.agent('ops-01');
    const { uid } = (await agent.call('create_dashboard', { title: 'Mine', panels: [] })).json<{
      uid: string;
    }>();
    await agent.call('update_dashboard', { uid, panels: [{ uid: 'prod-main', folderUid: 'Operators' }] });
    const post = world.server.requests.filter((r) => r.path === '/api/dashboards/db')[1]?.body as {
      dashboard: Record<string, unknown>;
      folderUid: string;
    };
    expect(post.dashboard.uid).toBe(uid);
    expect(post.folderUid).toBe(world.server.folders[0]?.uid);
  });
});

describe('create_alert_rule placement', () => {
  const math = [{ refId: 'C', datasourceUid: '__expr__', model: { type: 'math', expression: '1' } }];

  it.each(['folderUID', 'folderUid', 'ruleGroup', 'orgID', 'orgId', 'uid', 'id', 'rule_group', 'folder_uid'])(
    'condition.%s is refused before any request',
    async (key) => {
      const agent = await world.agent('ops-01');
      const result = await agent.call('create_alert_rule', {
        name: 'r',
        condition: { data: math, [key]: 'other' },
      });
      expect(code(result)).toBe('SMCP_SCOPE_VIOLATION');
      expect(result.text).toContain(`condition.${key} cannot be set`);
      expect(world.server.requests).toEqual([]);
    },
  );

  it('unknown condition keys are refused with the keys allowed', async () => {
    const agent = await world.agent('ops-01');
    const result = await agent.call('create_alert_rule', {
      name: 'r',
      condition: { data: math, isPaused: true },
    });
    expect(code(result)).toBe('SMCP_TOOL_INPUT');
    expect(result.text).toContain('allowed: data, for, labels, annotations');
    expect(world.server.requests).toEqual([]);
  });

  it('a query on a datasource outside the allowlist is refused; nothing is created', async () => {
    world.server.addDatasource('Prometheus');
    const billing = world.server.addDatasource('Billing DB', 'postgres');
    const agent = await world.agent('ops-01');
    const result = await agent.call('create_alert_rule', {
      name: 'exfil',
      condition: {
        data: [{ refId: 'A', datasourceUid: billing, model: { rawSql: 'select * from cards' } }, ...math],
      },
    });
    expect(code(result)).toBe('SMCP_SCOPE_VIOLATION');
    expect(result.text).toContain(`datasource uid '${billing}'`);
    expect(world.server.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(world.server.alertRules).toEqual([]);
  });

  it('without an allowlist no datasource can be read by a rule, and Grafana is not asked', async () => {
    const prometheus = world.server.addDatasource('Prometheus');
    const agent = await world.agent('ops-01', { config: { allowed_datasources: [] } });
    const result = await agent.call('create_alert_rule', {
      name: 'r',
      condition: { data: [{ refId: 'A', datasourceUid: prometheus, model: {} }, ...math] },
    });
    expect(code(result)).toBe('SMCP_SCOPE_VIOLATION');
    expect(world.server.requests).toEqual([]);
  });
});
