import { isIP } from 'node:net';
import { ModuleConfigError } from '@scoped-mcp/core';

// The one rule for the URL of a web service a module sends a secret to (a token in every request, or a
// webhook URL that is itself the secret), checked at startup: an http(s) URL, without a user, password,
// query or fragment, and https unless it goes to this machine (where nothing crosses the wire) or the
// operator accepts plain http. The messages name the setting the URL came from, never the URL: it is a
// credential, or carries one.

export interface ServiceUrlRule {
  /** Where the URL comes from, named instead of the URL: `grafana: GRAFANA_URL`, `MATRIX_HOMESERVER`. */
  readonly field: string;
  /** What plain http would send in clear: `the service account token`, `NTFY_TOKEN`. */
  readonly secret: string;
  /** Plain http to a host that is not loopback is accepted (allow_plain_http, or no secret is sent). */
  readonly allowPlainHttp?: boolean;
  /** How the operator may accept plain http, offered in its refusal after `use https, or`. */
  readonly plainHttpRemedy?: string;
}

/** The URL, checked against the rule; a ModuleConfigError naming `rule.field` otherwise. */
export function checkServiceUrl(raw: string, rule: ServiceUrlRule): URL {
  const { field } = rule;
  const url = URL.parse(raw);
  if (!url) throw new ModuleConfigError(`${field} is not a URL`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ModuleConfigError(`${field} must be an http(s) URL`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ModuleConfigError(`${field} must not hold a user or password; ${rule.secret} authenticates`);
  }
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(raw)) {
    throw new ModuleConfigError(`${field} must not have a query or fragment`);
  }
  if (!rule.allowPlainHttp && !secureOrLoopback(url)) {
    throw new ModuleConfigError(
      `${field} uses plain http to a host that is not loopback, which would send ${rule.secret} unencrypted; use https${rule.plainHttpRemedy ? `, or ${rule.plainHttpRemedy}` : ''}`,
    );
  }
  return url;
}

/**
 * Whether a secret may travel to this URL: over https, or over plain http to this machine only, where
 * nothing is on the wire.
 */
export function secureOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

/** `localhost`, 127.0.0.0/8 and ::1 (as a URL writes them, IPv6 in brackets): the request stays here. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (host.toLowerCase() === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** `{base}/{path}` with the base's trailing slashes dropped, so they never double. */
export function joinUrl(base: string, path: string): URL {
  return new URL(`${base.replace(/\/+$/, '')}/${path}`);
}

/**
 * A webhook URL (Slack, Discord), which is itself the secret: a URL, and https (or http to this machine).
 * The message names the setting it came from (`SLACK_WEBHOOK_URL`, `hitl.notify.url`), never the URL.
 */
export function checkWebhookUrl(value: string, name: string): URL {
  const url = URL.parse(value);
  if (!url) throw new ModuleConfigError(`${name} is not a URL`);
  if (!secureOrLoopback(url)) {
    throw new ModuleConfigError(
      `${name} must be an https:// URL: the webhook URL is a secret and would cross the network in clear`,
    );
  }
  return url;
}
