import { z } from '@scoped-mcp/core';
import { timeoutSetting } from '@scoped-mcp/service-http';

const MIB = 1024 * 1024;

/** The reference's rule for datasource names; the allowlist is matched exactly, so an argument obeys it too. */
export const DATASOURCE_NAME = /^[A-Za-z0-9 _.-]{1,64}$/;

export const grafanaConfig = z.strictObject({
  grafana_url: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Base URL of Grafana (e.g. https://grafana.example.com or https://host/grafana); overrides the GRAFANA_URL credential. https, or http to a loopback address only (the token travels in every request) unless allow_plain_http is set.',
    ),
  allowed_datasources: z
    .array(z.string().regex(DATASOURCE_NAME, 'a datasource name is 1-64 letters, digits, spaces, _ . or -'))
    .default([])
    .describe(
      'Datasource names the agent may see (list_datasources), query (query_datasource) and use in alert rules. Empty (the default): none — list_datasources answers [] and query_datasource is disabled.',
    ),
  allow_plain_http: z
    .boolean()
    .default(false)
    .describe(
      'Send the service account token over plain http to a host that is not loopback (a trusted LAN). Default false: such a URL is refused at startup.',
    ),
  timeout_ms: timeoutSetting({
    defaultMs: 15_000,
    minMs: 100,
    maxMs: 300_000,
    description: 'Limit for one request to Grafana, headers and body, in ms (default 15000).',
  }),
  query_timeout_ms: timeoutSetting({
    defaultMs: 30_000,
    minMs: 100,
    maxMs: 300_000,
    description: 'Limit for a query_datasource request, in ms (default 30000).',
  }),
  max_response_bytes: z
    .number()
    .int()
    .min(1024)
    .max(256 * MIB)
    .default(8 * MIB)
    .describe('Largest answer read from Grafana, in bytes (default 8 MiB); a larger one fails the call.'),
});

export type GrafanaConfig = z.output<typeof grafanaConfig>;
