import type { CredentialSpec } from '@scoped-mcp/core';
import { ModuleConfigError, ScopeViolation } from '@scoped-mcp/core';
import type { HttpProxyConfig } from './config.js';
import { originKey } from './guarded-agent.js';

/** One entry of `allowed_services`, ready for requests. */
export interface Service {
  readonly name: string;
  /** base_url parsed, its trailing slashes dropped. */
  readonly base: URL;
  /** The base URL's path without its trailing slash: '' or '/api/v1'. Every request path lies below it. */
  readonly basePath: string;
  /** Configured headers plus Authorization, sent with every request (names in lower case). */
  readonly headers: Readonly<Record<string, string>>;
  readonly allowPrivate: boolean;
}

// A bearer token goes into a header line: visible ASCII only, so a value cannot end the line early.
const TOKEN_TEXT = /^[\x21-\x7e]+$/;

/**
 * Every `credential_key` of the config: declared required, so only these keys are ever resolved for the
 * instance and a missing one stops startup (the reference declared none, and never sent a token).
 */
export function serviceCredentials(config: HttpProxyConfig): CredentialSpec {
  const keys = config.allowed_services.flatMap((service) =>
    service.credential_key === undefined ? [] : [service.credential_key],
  );
  return { required: [...new Set(keys)] };
}

/** The services by name; a credential that cannot be a bearer token is refused here, never quoted. */
export function buildServices(
  config: HttpProxyConfig,
  credentials: Readonly<Record<string, string>>,
): ReadonlyMap<string, Service> {
  const services = new Map<string, Service>();
  for (const entry of config.allowed_services) {
    const base = new URL(entry.base_url);
    base.pathname = base.pathname.replace(/\/+$/, '');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(entry.headers ?? {})) headers[name.toLowerCase()] = value;
    if (entry.credential_key !== undefined) {
      const token = credentials[entry.credential_key];
      if (token === undefined || !TOKEN_TEXT.test(token)) {
        throw new ModuleConfigError(
          `Service '${entry.name}': credential '${entry.credential_key}' is ${token === undefined ? 'missing' : 'empty or holds characters a bearer token cannot carry (spaces, control, non-ASCII)'}`,
        );
      }
      headers.authorization = `Bearer ${token}`;
    }
    services.set(entry.name, {
      name: entry.name,
      base,
      basePath: base.pathname === '/' ? '' : base.pathname,
      headers: Object.freeze(headers),
      allowPrivate: entry.allow_private,
    });
  }
  return services;
}

/** The origins whose service opted into private addresses, for the connection guard. */
export function privateOrigins(services: ReadonlyMap<string, Service>): ReadonlySet<string> {
  return new Set(
    [...services.values()]
      .filter((service) => service.allowPrivate)
      .map(({ base }) => originKey(base.protocol, base.hostname, base.port)),
  );
}

/** The service the agent named, or the reference's refusal (which lists the names it may use). */
export function serviceNamed(services: ReadonlyMap<string, Service>, name: string): Service {
  const service = services.get(name);
  if (service) return service;
  const allowed = [...services.keys()].map((known) => `'${known}'`).join(', ');
  throw new ScopeViolation(`Service '${name}' is not in the allowed_services list. Allowed: [${allowed}]`);
}
