import {
  isScopedMcpError,
  LimitExceededError,
  ToolFailure,
  UpstreamError,
  type ErrorDetails,
} from '@scoped-mcp/core';
import type { Agent, Dispatcher } from 'undici';
import type { Service } from './services.js';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ExchangeLimits {
  /** The whole exchange: connection, headers and body. */
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

export interface ExchangeRequest {
  readonly service: Service;
  readonly method: Method;
  readonly url: URL;
  /** JSON text, for post and put. */
  readonly json?: string;
}

/** A 2xx answer: its status and its body, read whole. */
export interface ServiceAnswer {
  readonly status: number;
  readonly body: Buffer;
}

// How much of an error answer's body the agent sees: enough for a validation message, no more.
const ERROR_EXCERPT_CHARS = 300;

/**
 * One request to a service through the guarded agent, read under the size cap and the deadline. A 2xx
 * answer is returned; a 3xx (never followed), 4xx or 5xx is an UpstreamError with the status; every failure
 * names the service only — never the URL, which may carry a key in its query.
 */
export async function exchange(
  agent: Agent,
  request: ExchangeRequest,
  limits: ExchangeLimits,
  signal: AbortSignal,
): Promise<ServiceAnswer> {
  const { service, method, url, json } = request;
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const headers: Record<string, string> = { ...service.headers };
  if (json !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await agent.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method,
      headers,
      ...(json === undefined ? {} : { body: json }),
      signal: AbortSignal.any([signal, deadline]),
      headersTimeout: limits.timeoutMs,
      bodyTimeout: limits.timeoutMs,
    });
    const { statusCode } = response;
    if (statusCode >= 300 && statusCode < 400) {
      await response.body.dump();
      throw new UpstreamError(
        'SMCP_UPSTREAM_ERROR',
        `Service '${service.name}' answered HTTP ${statusCode}, a redirect; redirects are not followed`,
      );
    }
    const body = await readCapped(response, service, limits.maxResponseBytes);
    if (statusCode >= 200 && statusCode < 300) return { status: statusCode, body };
    throw statusError(service, statusCode, response.headers, body);
  } catch (error) {
    if (isScopedMcpError(error)) throw error;
    if (signal.aborted) throw new ToolFailure(`Request to service '${service.name}' was cancelled`);
    const code = (error as { code?: unknown }).code;
    if (deadline.aborted || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
      throw new LimitExceededError(
        `Service '${service.name}' did not answer within ${limits.timeoutMs} ms (timeout_ms)`,
        { name: 'timeout_ms', value: limits.timeoutMs },
      );
    }
    throw new UpstreamError(
      'SMCP_UPSTREAM_UNAVAILABLE',
      `Service '${service.name}' could not be reached${typeof code === 'string' ? ` (${code})` : ''}`,
      { cause: error },
    );
  }
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** The body, whole, or LimitExceededError as soon as it is known to be longer than the cap. */
async function readCapped(
  response: Dispatcher.ResponseData,
  service: Service,
  maxBytes: number,
): Promise<Buffer> {
  const tooLong = () => {
    response.body.destroy();
    return new LimitExceededError(
      `Service '${service.name}' answered with more than ${maxBytes} bytes (max_response_bytes)`,
      { name: 'max_response_bytes', value: maxBytes },
    );
  };
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLong();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw tooLong();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}

function statusError(
  service: Service,
  status: number,
  headers: Dispatcher.ResponseData['headers'],
  body: Buffer,
): UpstreamError {
  const text = body.toString('utf8').replace(/\s+/g, ' ').trim();
  const excerpt = text.length > ERROR_EXCERPT_CHARS ? `${text.slice(0, ERROR_EXCERPT_CHARS)}…` : text;
  const retryAfterMs = status === 429 || status === 503 ? retryAfter(headers['retry-after']) : undefined;
  const details: ErrorDetails | undefined =
    retryAfterMs === undefined ? undefined : { retry_after_ms: retryAfterMs };
  return new UpstreamError(
    'SMCP_UPSTREAM_ERROR',
    `Service '${service.name}' answered HTTP ${status}${excerpt === '' ? '' : `: ${excerpt}`}`,
    details ? { details } : undefined,
  );
}

/** Retry-After as delay-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
function retryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
