import { type ErrorDetails, UpstreamError } from '@scoped-mcp/core';
import { createServiceClient, quotedLine, type ServiceClient } from '@scoped-mcp/service-http';
import type { Dispatcher } from 'undici';
import type { Service } from './services.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ExchangeLimits {
  /** The whole exchange: connection, headers and body. */
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

/** A 2xx answer: its status and its body, read whole. */
export interface ServiceAnswer {
  readonly status: number;
  readonly text: string;
}

/**
 * The client of one service: scoped-mcp's HTTP client over the module's guarded dispatcher (every
 * connection checked on its address), never retrying — a request the agent sent goes out once.
 */
export function serviceClient(
  service: Service,
  dispatcher: Dispatcher,
  limits: ExchangeLimits,
): ServiceClient {
  return createServiceClient({
    service: `Service '${service.name}'`,
    dispatcher,
    timeoutMs: limits.timeoutMs,
    maxResponseBytes: limits.maxResponseBytes,
    retryRateLimited: false,
  });
}

/**
 * One request to a service. A 2xx answer is returned; a 3xx (never followed), 4xx or 5xx is an
 * UpstreamError with the status; every failure names the service only — never the URL, which may carry a
 * key in its query.
 */
export async function exchange(
  client: ServiceClient,
  request: { readonly service: Service; readonly method: Method; readonly url: URL; readonly json?: string },
  signal: AbortSignal,
): Promise<ServiceAnswer> {
  const { service, method, url, json } = request;
  const response = await client.send({
    method,
    url,
    headers:
      json === undefined ? service.headers : { ...service.headers, 'content-type': 'application/json' },
    ...(json === undefined ? {} : { body: json }),
    signal,
  });
  const { status } = response;
  if (status >= 300 && status < 400) {
    throw new UpstreamError(
      'SMCP_UPSTREAM_ERROR',
      `Service '${service.name}' answered HTTP ${status}, a redirect; redirects are not followed`,
    );
  }
  if (status >= 200 && status < 300) return { status, text: response.text };
  const excerpt = quotedLine(response.text);
  const details: ErrorDetails | undefined =
    response.retryAfterMs === undefined ? undefined : { retry_after_ms: response.retryAfterMs };
  throw new UpstreamError(
    'SMCP_UPSTREAM_ERROR',
    `Service '${service.name}' answered HTTP ${status}${excerpt === '' ? '' : `: ${excerpt}`}`,
    details ? { details } : undefined,
  );
}
