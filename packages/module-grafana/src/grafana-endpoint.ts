import { checkServiceUrl } from '@scoped-mcp/service-http';

/**
 * Where Grafana answers: an origin and the path Grafana is served under (`https://host/grafana`). The
 * service account token travels in every request, so a URL that would expose it is refused at startup:
 * not http(s), credentials or a query in the URL, or plain http to a host that is not loopback (unless the
 * operator opts in). Messages name the setting, never the URL: GRAFANA_URL is a credential.
 */
export interface GrafanaEndpoint {
  /** The URL of an API path: each segment percent-encoded, the query built by URLSearchParams. */
  url(segments: readonly string[], query?: Readonly<Record<string, string | number>>): string;
}

export function grafanaEndpoint(
  raw: string,
  setting: string,
  options: { readonly allowPlainHttp: boolean },
): GrafanaEndpoint {
  const parsed = checkServiceUrl(raw, {
    field: `grafana: ${setting}`,
    secret: 'the service account token',
    allowPlainHttp: options.allowPlainHttp,
    plainHttpRemedy: 'set allow_plain_http: true for a trusted network',
  });
  const origin = parsed.origin;
  const base = parsed.pathname.replace(/\/+$/, '');
  return Object.freeze({
    url(segments: readonly string[], query?: Readonly<Record<string, string | number>>): string {
      const path = segments.map((segment) => encodeURIComponent(segment)).join('/');
      const search = query
        ? new URLSearchParams(
            Object.entries(query).map(([key, value]): [string, string] => [key, String(value)]),
          ).toString()
        : '';
      return `${origin}${base}/${path}${search === '' ? '' : `?${search}`}`;
    },
  });
}
