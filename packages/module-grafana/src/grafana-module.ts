import {
  defineModule,
  type JsonValue,
  ScopeViolation,
  ToolInputError,
  UpstreamError,
  z,
} from '@scoped-mcp/core';
import {
  alertCondition,
  alertRuleBody,
  checkRuleDatasources,
  datasourceReads,
  parseCondition,
} from './alert-rule.js';
import { grafanaConfig } from './config.js';
import { createGrafanaState, type GrafanaState } from './state.js';

const dashboardUid = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,40}$/, 'a dashboard uid is 1-40 letters, digits, _ or -')
  .describe("The dashboard's uid, as list_dashboards gives it.");

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const oneLine = /^[^\u0000-\u001f\u007f]*$/;

const title = z
  .string()
  .min(1)
  .max(190)
  .regex(oneLine, 'no control characters')
  .describe('Dashboard title, shown in Grafana.');

const panels = z
  .array(z.record(z.string(), z.unknown()))
  .max(500)
  .describe("Grafana panel objects (type, title, targets, gridPos, …), as in a dashboard's JSON model.");

/** Times Grafana understands: relative (`now-6h`, `now`) or epoch milliseconds. */
const timeBound = z
  .string()
  .regex(/^(now([+-]\d{1,9}[smhdwMy])?(\/[smhdwMy])?|\d{1,15})$/, "'now', 'now-6h' or epoch milliseconds");

const looseRecord = z.record(z.string(), z.unknown());

const datasourceSummary = z.object({
  uid: z.string(),
  name: z.string(),
  type: z.string(),
  typeName: z.string().optional(),
  isDefault: z.boolean().optional(),
  readOnly: z.boolean().optional(),
});

export default defineModule({
  name: 'grafana',
  description:
    "Grafana, scoped to the agent's own folder 'agent-{agent_id}': dashboards and alert rules are created, read, changed and deleted only there; datasources are visible and queryable only when the operator allowlists them.",
  config: grafanaConfig,
  credentials: (config) =>
    config.grafana_url === undefined
      ? { required: ['GRAFANA_URL', 'GRAFANA_SERVICE_ACCOUNT_TOKEN'] }
      : { required: ['GRAFANA_SERVICE_ACCOUNT_TOKEN'], optional: ['GRAFANA_URL'] },
  setup: createGrafanaState,
  teardown: (state) => state.api.close(),
  tools: (tool) => {
    /** The dashboard, once Grafana says it lies in the agent's folder; refused before any write. */
    async function ownDashboard(state: GrafanaState, uid: string, name: string, signal: AbortSignal) {
      const folderUid = await state.folder.uid(name, signal);
      const answer = await state.api.call({
        method: 'GET',
        path: ['api', 'dashboards', 'uid', uid],
        tool: name,
        signal,
      });
      if (answer.status === 404) throw new ToolInputError(`Dashboard '${uid}' not found`);
      const json = state.api.expectOk(answer, name, `read dashboard '${uid}'`) as {
        dashboard?: unknown;
        meta?: { folderUid?: unknown };
      } | null;
      if (json?.meta?.folderUid !== folderUid) {
        throw new ScopeViolation(`Dashboard '${uid}' is not in the agent folder '${state.folder.title}'`);
      }
      if (typeof json.dashboard !== 'object' || json.dashboard === null || Array.isArray(json.dashboard)) {
        throw new UpstreamError(
          'SMCP_UPSTREAM_ERROR',
          `Grafana answered dashboard '${uid}' without its model`,
        );
      }
      return { dashboard: json.dashboard as Record<string, JsonValue>, meta: json.meta, json };
    }

    /** The allowlisted datasources as Grafana lists them (none without an allowlist: fail closed). */
    async function allowedDatasources(state: GrafanaState, name: string, signal: AbortSignal) {
      if (state.allowed.size === 0) return [];
      const answer = await state.api.call({
        method: 'GET',
        path: ['api', 'datasources'],
        tool: name,
        signal,
      });
      const list = state.api.expectOk(answer, name, 'list datasources');
      if (!Array.isArray(list)) {
        throw new UpstreamError('SMCP_UPSTREAM_ERROR', 'Grafana answered the datasource list with no list');
      }
      return (list as Record<string, unknown>[]).filter(
        (source) => typeof source?.name === 'string' && state.allowed.has(source.name),
      );
    }

    return {
      list_dashboards: tool({
        mode: 'read',
        title: 'List your dashboards',
        description:
          "List the dashboards in your folder 'agent-{agent_id}' (Grafana's search results: uid, title, url, tags, …).",
        input: z.strictObject({}),
        output: z.array(z.looseObject({ uid: z.string(), title: z.string() })),
        annotations: { openWorldHint: true },
        async handler(_args, { state, signal, instance }) {
          const name = `${instance}_list_dashboards`;
          const folderUid = await state.folder.uid(name, signal);
          const answer = await state.api.call({
            method: 'GET',
            path: ['api', 'search'],
            query: { type: 'dash-db', folderUIDs: folderUid, limit: 5000 },
            tool: name,
            signal,
          });
          const hits = state.api.expectOk(answer, name, 'search dashboards');
          if (!Array.isArray(hits)) {
            throw new UpstreamError('SMCP_UPSTREAM_ERROR', 'Grafana answered the search with no list');
          }
          // The server filter is asked for and checked: a Grafana that ignores folderUIDs (an old version,
          // a proxy dropping the parameter) must not show the agent the whole org.
          return (hits as Record<string, JsonValue>[]).filter(
            (hit) =>
              hit?.folderUid === folderUid && typeof hit.uid === 'string' && typeof hit.title === 'string',
          );
        },
      }),
      get_dashboard: tool({
        mode: 'read',
        title: 'Read one of your dashboards',
        description:
          'Return a dashboard of your folder as Grafana gives it ({ dashboard, meta }). Dashboards outside your folder are refused.',
        input: z.strictObject({ uid: dashboardUid }),
        output: z.looseObject({ dashboard: looseRecord, meta: looseRecord }),
        annotations: { openWorldHint: true },
        async handler({ uid }, { state, signal, instance }) {
          const own = await ownDashboard(state, uid, `${instance}_get_dashboard`, signal);
          return own.json as JsonValue;
        },
      }),
      list_datasources: tool({
        mode: 'read',
        title: 'List the datasources you may use',
        description:
          'List the datasources the operator allowlisted for you (uid, name, type). Without an allowlist the list is empty.',
        input: z.strictObject({}),
        output: z.array(datasourceSummary),
        annotations: { openWorldHint: true },
        async handler(_args, { state, signal, instance }) {
          const sources = await allowedDatasources(state, `${instance}_list_datasources`, signal);
          // How Grafana connects to a datasource (url, user, database, jsonData) is not the agent's business.
          return sources.map((source) => {
            const summary: Record<string, JsonValue> = {
              uid: String(source.uid ?? ''),
              name: String(source.name),
              type: String(source.type ?? ''),
            };
            if (typeof source.typeName === 'string') summary.typeName = source.typeName;
            if (typeof source.isDefault === 'boolean') summary.isDefault = source.isDefault;
            if (typeof source.readOnly === 'boolean') summary.readOnly = source.readOnly;
            return summary;
          });
        },
      }),
      query_datasource: tool({
        mode: 'read',
        title: 'Query an allowlisted datasource',
        description:
          "Run a query (PromQL, LogQL, … as the datasource understands it; sent as the query's expr) on an allowlisted datasource, by name, over a time range (default the last hour). Returns Grafana's answer ({ results: { A: { frames } } }).",
        input: z.strictObject({
          datasource: z
            .string()
            .min(1)
            .max(64)
            .describe('The datasource name, as list_datasources gives it.'),
          query: z.string().min(1).max(65_536).describe('The query text.'),
          from: timeBound.default('now-1h').describe("Start of the range: 'now-1h' (default), or epoch ms."),
          to: timeBound.default('now').describe("End of the range: 'now' (default), or epoch ms."),
        }),
        output: z.looseObject({ results: looseRecord.optional() }),
        annotations: { openWorldHint: true },
        async handler({ datasource, query, from, to }, { state, signal, instance, config }) {
          const name = `${instance}_query_datasource`;
          if (state.allowed.size === 0) {
            throw new ScopeViolation(
              'query_datasource is disabled by default: the operator has not allowlisted any datasource (config allowed_datasources)',
            );
          }
          if (!state.allowed.has(datasource)) {
            throw new ScopeViolation(
              `Datasource '${datasource}' is not in the allowed datasources for this agent: ${JSON.stringify([...state.allowed])}`,
            );
          }
          const found = await state.api.call({
            method: 'GET',
            path: ['api', 'datasources', 'name', datasource],
            tool: name,
            signal,
          });
          if (found.status === 404)
            throw new ToolInputError(`Datasource '${datasource}' not found in Grafana`);
          const source = state.api.expectOk(found, name, `read datasource '${datasource}'`) as {
            uid?: unknown;
            type?: unknown;
          } | null;
          if (typeof source?.uid !== 'string') {
            throw new UpstreamError(
              'SMCP_UPSTREAM_ERROR',
              `Grafana answered datasource '${datasource}' without a uid`,
            );
          }
          const answer = await state.api.call({
            method: 'POST',
            path: ['api', 'ds', 'query'],
            body: {
              queries: [
                {
                  refId: 'A',
                  datasource: {
                    uid: source.uid,
                    ...(typeof source.type === 'string' ? { type: source.type } : {}),
                  },
                  expr: query,
                },
              ],
              from,
              to,
            },
            tool: name,
            signal,
            timeout: { ms: config.query_timeout_ms, setting: 'query_timeout_ms' },
          });
          return state.api.expectOk(answer, name, `run the query on '${datasource}'`) as JsonValue;
        },
      }),
      create_dashboard: tool({
        mode: 'write',
        title: 'Create a dashboard in your folder',
        description:
          "Create a dashboard with these panels in your folder 'agent-{agent_id}'. Grafana gives it a new uid; a dashboard of the same title in your folder is not overwritten. Returns Grafana's answer (uid, url, version).",
        input: z.strictObject({ title, panels }),
        output: z.looseObject({ uid: z.string() }),
        annotations: { destructiveHint: false, openWorldHint: true },
        async handler(args, { state, signal, instance }) {
          const name = `${instance}_create_dashboard`;
          const folderUid = await state.folder.uid(name, signal);
          // Built from named fields only: nothing in title or panels can set the uid, id or folder.
          const answer = await state.api.call({
            method: 'POST',
            path: ['api', 'dashboards', 'db'],
            body: {
              dashboard: {
                id: null,
                uid: null,
                title: args.title,
                panels: args.panels as JsonValue,
                schemaVersion: 38,
              },
              folderUid,
              overwrite: false,
            },
            tool: name,
            signal,
          });
          return state.api.expectOk(answer, name, `create dashboard '${args.title}'`) as JsonValue;
        },
      }),
      update_dashboard: tool({
        mode: 'write',
        title: 'Replace the panels of one of your dashboards',
        description:
          'Replace the panels of a dashboard in your folder, keeping its other settings. Refused for dashboards outside your folder, and when someone changed the dashboard since it was read (call again).',
        input: z.strictObject({ uid: dashboardUid, panels }),
        output: z.looseObject({ uid: z.string() }),
        annotations: { destructiveHint: true, idempotentHint: true, openWorldHint: true },
        async handler(args, { state, signal, instance }) {
          const name = `${instance}_update_dashboard`;
          const own = await ownDashboard(state, args.uid, name, signal);
          const folderUid = await state.folder.uid(name, signal);
          // overwrite:false with the version read: a dashboard moved or changed since the check is refused
          // by Grafana (412) instead of being overwritten into the agent's folder.
          const answer = await state.api.call({
            method: 'POST',
            path: ['api', 'dashboards', 'db'],
            body: {
              dashboard: { ...own.dashboard, uid: args.uid, panels: args.panels as JsonValue },
              folderUid,
              overwrite: false,
            },
            tool: name,
            signal,
          });
          if (answer.status === 412) {
            throw new ToolInputError(
              `Dashboard '${args.uid}' changed while it was being updated; nothing was written, call again`,
            );
          }
          return state.api.expectOk(answer, name, `update dashboard '${args.uid}'`) as JsonValue;
        },
      }),
      delete_dashboard: tool({
        mode: 'write',
        title: 'Delete one of your dashboards',
        description: 'Delete a dashboard of your folder. Refused for dashboards outside your folder.',
        input: z.strictObject({ uid: dashboardUid }),
        output: looseRecord,
        annotations: { destructiveHint: true, openWorldHint: true },
        async handler({ uid }, { state, signal, instance }) {
          const name = `${instance}_delete_dashboard`;
          await ownDashboard(state, uid, name, signal);
          const answer = await state.api.call({
            method: 'DELETE',
            path: ['api', 'dashboards', 'uid', uid],
            tool: name,
            signal,
          });
          if (answer.status === 404) throw new ToolInputError(`Dashboard '${uid}' not found`);
          return (state.api.expectOk(answer, name, `delete dashboard '${uid}'`) ?? {}) as JsonValue;
        },
      }),
      create_alert_rule: tool({
        mode: 'write',
        title: 'Create an alert rule in your folder',
        description:
          "Create a Grafana alert rule in your folder 'agent-{agent_id}', rule group 'agent-{agent_id}'. Its queries may read only allowlisted datasources (and server-side expressions, datasourceUid '__expr__'). Returns the rule as Grafana stored it.",
        input: z.strictObject({
          name: z
            .string()
            .min(1)
            .max(190)
            .regex(oneLine, 'no control characters')
            .describe('The rule title.'),
          condition: alertCondition,
        }),
        output: z.looseObject({ uid: z.string().optional() }),
        annotations: { destructiveHint: false, openWorldHint: true },
        async handler(args, { state, signal, instance }) {
          const name = `${instance}_create_alert_rule`;
          const { ruleGroup } = state;
          // Placement keys and unknown keys are refused before anything is sent.
          const condition = parseCondition(args.condition, { ruleGroup, folderTitle: state.folder.title });
          const allowedUids =
            datasourceReads(condition.data).length === 0
              ? new Set<string>()
              : new Set(
                  (await allowedDatasources(state, name, signal)).map((source) => String(source.uid ?? '')),
                );
          checkRuleDatasources(condition.data, allowedUids);
          const folderUid = await state.folder.uid(name, signal);
          const answer = await state.api.call({
            method: 'POST',
            path: ['api', 'v1', 'provisioning', 'alert-rules'],
            body: alertRuleBody(args.name, condition, {
              folderUid,
              ruleGroup,
              folderTitle: state.folder.title,
            }),
            tool: name,
            signal,
          });
          return state.api.expectOk(answer, name, `create alert rule '${args.name}'`) as JsonValue;
        },
      }),
    };
  },
});
