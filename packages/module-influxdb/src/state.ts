import {
  type ModuleContext,
  ModuleConfigError,
  type NamespaceScope,
  namespaceScope,
  ScopeViolation,
} from '@scoped-mcp/core';
import { checkServiceUrl } from '@scoped-mcp/service-http';
import { AgentBuckets } from './agent-buckets.js';
import type { InfluxdbConfig } from './config.js';
import { InfluxdbClient } from './influxdb-client.js';

export interface InfluxdbState {
  readonly client: InfluxdbClient;
  /** The operator's allowlist (config buckets). */
  readonly configured: ReadonlySet<string>;
  /** Buckets this agent created, remembered across restarts. */
  readonly created: AgentBuckets;
  /** `{agent_id}-{name}`: the names of the buckets this agent creates. */
  readonly naming: NamespaceScope;
  /** Refuses a bucket that is neither allowlisted nor created by this agent. */
  checkBucket(bucket: string): Promise<void>;
}

/** Checks the URL and the org, reads the record of created buckets; InfluxDB is first asked by a tool. */
export async function createInfluxdbState(ctx: ModuleContext<InfluxdbConfig>): Promise<InfluxdbState> {
  const { INFLUXDB_URL: url, INFLUXDB_TOKEN: token, INFLUXDB_ORG: orgCredential } = ctx.credentials;
  if (url === undefined || token === undefined || token === '') {
    throw new ModuleConfigError('influxdb: INFLUXDB_URL and INFLUXDB_TOKEN are required');
  }
  const org = orgCredential || ctx.config.org;
  if (!org) {
    throw new ModuleConfigError("influxdb: set 'org' in config or the INFLUXDB_ORG credential");
  }
  // The token travels in every request: the URL is refused where it would expose it (the messages name
  // INFLUXDB_URL, never its value, a credential).
  const base = checkServiceUrl(url, {
    field: 'influxdb: INFLUXDB_URL',
    secret: 'the token',
    allowPlainHttp: ctx.config.allow_plain_http,
    plainHttpRemedy: 'set allow_plain_http: true for a trusted network',
  });
  const client = new InfluxdbClient({
    url: `${base.origin}${base.pathname.replace(/\/+$/, '')}`,
    token,
    org,
    timeoutMs: ctx.config.timeout_ms,
    queryTimeoutMs: ctx.config.query_timeout_ms,
    maxResponseBytes: ctx.config.max_response_bytes,
    maxRows: ctx.config.max_rows,
  });
  const created = await AgentBuckets.open(ctx.resolvePath(ctx.config.state_dir), ctx.agent.id, ctx.instance);
  const configured = new Set(ctx.config.buckets);
  return Object.freeze({
    client,
    configured,
    created,
    naming: namespaceScope(ctx.agent.id, '-'),
    async checkBucket(bucket: string) {
      if (configured.has(bucket) || (await created.has(bucket))) return;
      const allowed = [...new Set([...configured, ...created.names])];
      throw new ScopeViolation(
        `Bucket '${bucket}' is not in the allowlisted buckets for this agent. Allowed: ${JSON.stringify(allowed)}`,
      );
    },
  });
}
