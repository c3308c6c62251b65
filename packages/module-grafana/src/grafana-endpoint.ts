import { isIP } from 'node:net';
import { ModuleConfigError } from '@scoped-mcp/core';

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
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ModuleConfigError(`grafana: ${setting} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ModuleConfigError(`grafana: ${setting} must be an http(s) URL`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ModuleConfigError(
      `grafana: ${setting} must not carry a user or password; the service account token authenticates`,
    );
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new ModuleConfigError(`grafana: ${setting} must not have a query or fragment`);
  }
  if (parsed.protocol === 'http:' && !options.allowPlainHttp && !isLoopbackHost(parsed.hostname)) {
    throw new ModuleConfigError(
      `grafana: ${setting} uses plain http to a host that is not loopback, which would send the service account token unencrypted; use https, or set allow_plain_http: true for a trusted network`,
    );
  }
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

/** `localhost`, 127.0.0.0/8 and ::1: the token does not leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (host.toLowerCase() === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}
