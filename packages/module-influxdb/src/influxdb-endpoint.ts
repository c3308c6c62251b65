import { isIP } from 'node:net';
import { ModuleConfigError } from '@scoped-mcp/core';

/**
 * Checks the InfluxDB base URL at startup; returns it without a trailing slash. The token travels in every
 * request, so a URL that would expose it is refused: not http(s), credentials, a query or a fragment in the
 * URL, or plain http to a host that is not loopback (unless the operator opts in). Messages name the
 * setting, never the URL: INFLUXDB_URL is a credential.
 */
export function influxdbBaseUrl(raw: string, options: { readonly allowPlainHttp: boolean }): string {
  const setting = 'INFLUXDB_URL';
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ModuleConfigError(`influxdb: ${setting} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ModuleConfigError(`influxdb: ${setting} must be an http(s) URL`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ModuleConfigError(
      `influxdb: ${setting} must not carry a user or password; the token authenticates`,
    );
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new ModuleConfigError(`influxdb: ${setting} must not have a query or fragment`);
  }
  if (parsed.protocol === 'http:' && !options.allowPlainHttp && !isLoopbackHost(parsed.hostname)) {
    throw new ModuleConfigError(
      `influxdb: ${setting} uses plain http to a host that is not loopback, which would send the token unencrypted; use https, or set allow_plain_http: true for a trusted network`,
    );
  }
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** `localhost`, 127.0.0.0/8 and ::1: the token does not leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (host.toLowerCase() === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}
