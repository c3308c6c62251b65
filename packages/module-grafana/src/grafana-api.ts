import {
  type JsonValue,
  LimitExceededError,
  ToolFailure,
  ToolInputError,
  UpstreamError,
} from '@scoped-mcp/core';
import { Agent, request } from 'undici';
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
  readonly timeout?: { readonly ms: number; readonly setting: string };
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
 * Grafana's HTTP API through one undici Agent per module instance: a bearer token, a deadline per request
 * (connect, headers and body), the call's cancellation, a cap on the answer's size, and redirects never
 * followed (undici's request() does not follow them; a 3xx is an error, as in the reference).
 */
export class GrafanaApi {
  readonly #endpoint: GrafanaEndpoint;
  readonly #options: GrafanaApiOptions;
  readonly #agent: Agent;

  constructor(endpoint: GrafanaEndpoint, options: GrafanaApiOptions) {
    this.#endpoint = endpoint;
    this.#options = options;
    this.#agent = new Agent({
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async call(req: GrafanaRequest): Promise<GrafanaAnswer> {
    const timeoutMs = req.timeout?.ms ?? this.#options.timeoutMs;
    const setting = req.timeout?.setting ?? 'timeout_ms';
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
    try {
      const response = await request(this.#endpoint.url(req.path, req.query), {
        dispatcher: this.#agent,
        method: req.method,
        headers: {
          authorization: `Bearer ${this.#options.token}`,
          accept: 'application/json',
          ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await readCapped(response.body, this.#options.maxResponseBytes, req.tool);
      const status = response.statusCode;
      if (status >= 300 && status < 400) {
        throw new UpstreamError(
          'SMCP_UPSTREAM_ERROR',
          `Grafana answered ${req.tool} with a redirect (HTTP ${status}), which is not followed; the operator must point grafana_url / GRAFANA_URL at Grafana itself`,
        );
      }
      const retryAfterMs = retryAfterMsOf(response.headers['retry-after']);
      return {
        status,
        json: parseJson(text, status, req.tool),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    } catch (error) {
      throw transportFailure(error, req, timeoutMs, setting, deadline);
    }
  }

  /** Answers that are not 2xx become the error the agent can act on. */
  expectOk(answer: GrafanaAnswer, tool: string, what: string): unknown {
    if (answer.status >= 200 && answer.status < 300) return answer.json;
    throw answerError(answer, tool, what);
  }

  /** Shutdown: requests still open (a folder lookup no call waits for any more) are aborted, not awaited. */
  close(): Promise<void> {
    return this.#agent.destroy();
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
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const line = message.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }, max: number, tool: string) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new LimitExceededError(
        `Grafana's answer to ${tool} is larger than max_response_bytes (${max} bytes)`,
        { name: 'max_response_bytes', value: max },
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
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

function retryAfterMsOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function transportFailure(
  error: unknown,
  req: GrafanaRequest,
  timeoutMs: number,
  setting: string,
  deadline: AbortSignal,
): Error {
  if (error instanceof UpstreamError || error instanceof LimitExceededError) return error;
  if (req.signal?.aborted) return new ToolFailure(`${req.tool} was cancelled`);
  const name = (error as { name?: unknown } | null)?.name;
  if (
    deadline.aborted ||
    name === 'HeadersTimeoutError' ||
    name === 'BodyTimeoutError' ||
    name === 'ConnectTimeoutError'
  ) {
    return new UpstreamError(
      'SMCP_UPSTREAM_UNAVAILABLE',
      `Grafana did not answer ${req.tool} within ${timeoutMs} ms (${setting}); retry later`,
    );
  }
  // The code (ECONNREFUSED, ENOTFOUND) says what happened; undici's message would name the host.
  const code = (error as { code?: unknown } | null)?.code;
  return new UpstreamError(
    'SMCP_UPSTREAM_UNAVAILABLE',
    `cannot reach Grafana for ${req.tool} (${typeof code === 'string' ? code : typeof name === 'string' ? name : 'network error'}); retry later`,
  );
}
