import { type ModuleContext, ModuleConfigError } from '@scoped-mcp/core';
import { AgentFolder } from './agent-folder.js';
import type { GrafanaConfig } from './config.js';
import { GrafanaApi } from './grafana-api.js';
import { grafanaEndpoint } from './grafana-endpoint.js';

export interface GrafanaState {
  readonly api: GrafanaApi;
  readonly folder: AgentFolder;
  /** Datasource names from allowed_datasources; empty: none visible, queries disabled. */
  readonly allowed: ReadonlySet<string>;
  /** The rule group of every alert rule the agent creates, `agent-{agent_id}`. */
  readonly ruleGroup: string;
}

/** Checks the URL and opens the connection pool; Grafana itself is first asked when a tool needs it. */
export function createGrafanaState(ctx: ModuleContext<GrafanaConfig>): GrafanaState {
  const fromConfig = ctx.config.grafana_url;
  const raw = fromConfig ?? ctx.credentials.GRAFANA_URL;
  const token = ctx.credentials.GRAFANA_SERVICE_ACCOUNT_TOKEN;
  if (raw === undefined || token === undefined || token === '') {
    throw new ModuleConfigError('grafana: GRAFANA_URL and GRAFANA_SERVICE_ACCOUNT_TOKEN are required');
  }
  const endpoint = grafanaEndpoint(raw, fromConfig === undefined ? 'GRAFANA_URL' : 'config grafana_url', {
    allowPlainHttp: ctx.config.allow_plain_http,
  });
  const api = new GrafanaApi(endpoint, {
    token,
    timeoutMs: ctx.config.timeout_ms,
    maxResponseBytes: ctx.config.max_response_bytes,
  });
  return Object.freeze({
    api,
    folder: new AgentFolder(api, ctx.agent.id, ctx.log),
    allowed: new Set(ctx.config.allowed_datasources),
    ruleGroup: `agent-${ctx.agent.id}`,
  });
}
