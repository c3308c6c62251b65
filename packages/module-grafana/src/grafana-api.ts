import { type JsonValue, ToolInputError, UpstreamError } from '@scoped-mcp/core';
import {
  createServiceClient,
  quotedLine,
  type ServiceClient,
  type ServiceTimeout,
} from '@scoped-mcp/service-http';
import type { GrafanaEndpoint } from './grafana-endpoint.js';

/** One request to Grafana's HTTP API, for one tool call. */
export interface GrafanaRequest {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Path segments after the base URL, each percent-encoded: `['api', 'dashboards', 'uid', uid]`. */
  readonly path: readonly string[];
  readonly query?: Readonly<Record<string, string | number>>;
  readonly body?: JsonValue;
  /** The exposed tool name, for messages. */
  readonly tool: string;
  /** The call's cancellation; undefined for work shared by calls (the agent folder). */
  readonly signal?: AbortSignal;
  /** Overrides timeout_ms (query_datasource uses query_timeout_ms). */
  readonly timeout?: ServiceTimeout;
}

/** Grafana's answer: a status that is not a redirect, and the JSON body (null when empty). */
export interface GrafanaAnswer {
  readonly status: number;
  readonly json: unknown;
  /** From Retry-After, on a 429 or 503. */
  readonly retryAfterMs?: number;
}

export interface GrafanaApiOptions {
  readonly token: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

/**
 * Grafana's HTTP API through the one HTTP client of scoped-mcp's modules (deadline, cancellation, size cap,
 * redirects never followed), with a bearer token; a 3xx is an error, as in the reference. Grafana's
 * requests are never repeated: a 429 is the agent's to retry.
 */
export class GrafanaApi {
  readonly #endpoint: GrafanaEndpoint;
  readonly #token: string;
  readonly #client: ServiceClient;

  constructor(endpoint: GrafanaEndpoint, options: GrafanaApiOptions) {
    this.#endpoint = endpoint;
    this.#token = options.token;
    this.#client = createServiceClient({
      service: 'Grafana',
      timeoutMs: options.timeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      retryRateLimited: false,
    });
  }

  async call(req: GrafanaRequest): Promise<GrafanaAnswer> {
    const response = await this.#client.send({
      method: req.method,
      url: new URL(this.#endpoint.url(req.path, req.query)),
      headers: {
        authorization: `Bearer ${this.#token}`,
        accept: 'application/json',
        ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.timeout ? { timeout: req.timeout } : {}),
    });
    const { status, retryAfterMs } = response;
    if (status >= 300 && status < 400) {
      throw new UpstreamError(
        'SMCP_UPSTREAM_ERROR',
        `Grafana answered ${req.tool} with a redirect (HTTP ${status}), which is not followed; the operator must point grafana_url / GRAFANA_URL at Grafana itself`,
      );
    }
    return {
      status,
      json: parseJson(response.text, status, req.tool),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }

  /** Answers that are not 2xx become the error the agent can act on. */
  expectOk(answer: GrafanaAnswer, tool: string, what: string): unknown {
    if (answer.status >= 200 && answer.status < 300) return answer.json;
    throw answerError(answer, tool, what);
  }

  /** Shutdown: requests still open (a folder lookup no call waits for any more) are aborted, not awaited. */
  close(): Promise<void> {
    return this.#client.close();
  }
}

/** A non-2xx answer as the agent's error: what failed, Grafana's own message where it helps the agent. */
export function answerError(answer: GrafanaAnswer, tool: string, what: string): Error {
  const { status } = answer;
  const said = grafanaMessage(answer.json);
  if (status === 401 || status === 403) {
    return new UpstreamError(
      'SMCP_UPSTREAM_ERROR',
      `Grafana refused ${what} for ${tool} (HTTP ${status}): the operator must check the service account token and its role`,
    );
  }
  if (status === 429 || status >= 500) {
    const { retryAfterMs } = answer;
    return new UpstreamError(
      'SMCP_UPSTREAM_UNAVAILABLE',
      `Grafana could not ${what} for ${tool} (HTTP ${status})${said ? `: ${said}` : ''}; retry later`,
      retryAfterMs === undefined ? {} : { details: { retry_after_ms: retryAfterMs } },
    );
  }
  return new ToolInputError(`Grafana refused to ${what} (HTTP ${status})${said ? `: ${said}` : ''}`);
}

/** Grafana's error shape is `{ "message": "…" }`; shown to the agent on one line, bounded. */
function grafanaMessage(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const message = (json as Record<string, unknown>).message;
  if (typeof message !== 'string' || message.trim() === '') return undefined;
  return quotedLine(message);
}

function parseJson(text: string, status: number, tool: string): unknown {
  let json: unknown = null;
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      // An error page from a proxy in front of Grafana is not JSON; its status says enough.
      if (status >= 200 && status < 300) {
        throw new UpstreamError('SMCP_UPSTREAM_ERROR', `Grafana's answer to ${tool} is not JSON`);
      }
    }
  }
  return json;
}
