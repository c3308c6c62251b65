import { ToolFailure, UpstreamError } from '@scoped-mcp/core';
import { Agent, request } from 'undici';

// One way for a module to talk to a web service (ntfy, Slack, Discord, a Matrix homeserver): every request
// has a deadline, reads at most a capped answer, never follows a redirect, stops when the tool call is
// cancelled, and retries only a 429 that says when (Retry-After) and only if the retry still fits the
// deadline. Errors name the service and what went wrong, never the URL (a webhook URL is the secret) and
// never the answer's body.

/** The services' documented default for a client: give up after 10 s. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** The answers these services give are small JSON objects; more is refused unread. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
/** Attempts of one send at most, the first one included (each retry only after a 429 with a delay). */
const MAX_ATTEMPTS = 3;

export interface ServiceClientOptions {
  /** The service for people, starting every error message: `ntfy`, `Slack`, `Discord`, `Matrix`. */
  readonly service: string;
  /** The whole budget of one `send`, retries included (default 10 s). */
  readonly timeoutMs?: number;
  /** Largest answer body read (default 64 KiB); a longer one fails the request. */
  readonly maxResponseBytes?: number;
}

export interface ServiceRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The tool call's signal: cancelling the call aborts the request and any wait before a retry. */
  readonly signal?: AbortSignal;
  /**
   * How long a 429 asks to wait, in ms; default: its `Retry-After` header. Services that say it in the body
   * too (Discord's `retry_after`) read it here.
   */
  readonly retryAfter?: (response: ServiceResponse) => number | undefined;
}

export interface ServiceResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as UTF-8 text (at most `maxResponseBytes`). */
  readonly text: string;
  /** For a 429: how long the service asked to wait, in ms, when it said. */
  readonly retryAfterMs?: number;
}

export interface ServiceClient {
  /**
   * Sends the request and resolves with the answer, whatever its status (the module knows what a status
   * means for its service). Throws an `UpstreamError` when there is no answer within the deadline, the
   * connection fails, or the answer is too large.
   */
  send(request: ServiceRequest): Promise<ServiceResponse>;
  /** Closes the connection pool (the module's teardown). */
  close(): Promise<void>;
}

/** One connection pool per module instance, closed in its teardown. */
export function createServiceClient(options: ServiceClientOptions): ServiceClient {
  const service = options.service;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  // The per-request signal enforces the deadline; the agent's own timeouts only bound what it cannot see.
  const dispatcher = new Agent({
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });

  async function attempt(req: ServiceRequest, deadline: number): Promise<ServiceResponse> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw noAnswer(service, timeoutMs);
    const timeout = AbortSignal.timeout(remaining);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    try {
      const answer = await request(req.url, {
        dispatcher,
        method: req.method,
        headers: { ...req.headers },
        ...(req.body !== undefined ? { body: req.body } : {}),
        signal,
      });
      const text = await readCapped(answer.body, maxBytes, service);
      const response: ServiceResponse = { status: answer.statusCode, headers: answer.headers, text };
      if (answer.statusCode !== 429) return response;
      const retryAfterMs = (req.retryAfter ?? headerRetryAfter)(response);
      return retryAfterMs === undefined ? response : { ...response, retryAfterMs };
    } catch (error) {
      if (req.signal?.aborted) throw new ToolFailure(`${service}: the call was cancelled`);
      if (timeout.aborted) throw noAnswer(service, timeoutMs);
      if (error instanceof UpstreamError) throw error;
      throw new UpstreamError(
        'SMCP_UPSTREAM_UNAVAILABLE',
        `${service}: could not connect (${failureCode(error)})`,
      );
    }
  }

  return {
    async send(req) {
      const deadline = Date.now() + timeoutMs;
      for (let attempts = 1; ; attempts++) {
        const response = await attempt(req, deadline);
        const wait = response.retryAfterMs;
        // A retry must fit the deadline with room for the request itself; otherwise the 429 is the answer.
        if (
          response.status !== 429 ||
          wait === undefined ||
          attempts >= MAX_ATTEMPTS ||
          Date.now() + wait >= deadline - Math.min(1000, timeoutMs / 10)
        ) {
          return response;
        }
        await delay(wait, req.signal, service);
      }
    },
    close: () => dispatcher.close(),
  };
}

/** A 429's `Retry-After` header in ms: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function headerRetryAfter(response: Pick<ServiceResponse, 'headers'>): number | undefined {
  return parseRetryAfter(response.headers['retry-after']);
}

export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The error for an answer the module does not accept: 429 and 5xx say "try later" (with the wait when the
 * service gave one), anything else is the service's refusal, explained by `reason` when the module knows
 * it. Never the URL, never the body unless the module picked a documented error name out of it.
 */
export function responseError(service: string, response: ServiceResponse, reason?: string): UpstreamError {
  const what = reason ? `: ${reason}` : '';
  if (response.status === 429) {
    const wait = response.retryAfterMs;
    return new UpstreamError(
      'SMCP_UPSTREAM_UNAVAILABLE',
      `${service} is rate limiting (HTTP 429${what})${wait === undefined ? '; retry later' : `; retry in ${Math.ceil(wait / 1000)} s`}`,
      wait === undefined ? {} : { details: { retry_after_ms: wait } },
    );
  }
  if (response.status >= 500) {
    return new UpstreamError(
      'SMCP_UPSTREAM_UNAVAILABLE',
      `${service} failed (HTTP ${response.status}${what}); retry later`,
    );
  }
  if (response.status >= 300 && response.status < 400) {
    return new UpstreamError(
      'SMCP_UPSTREAM_ERROR',
      `${service} answered with a redirect (HTTP ${response.status}), which is never followed: check the configured URL`,
    );
  }
  return new UpstreamError(
    'SMCP_UPSTREAM_ERROR',
    `${service} refused the message (HTTP ${response.status}${what})`,
  );
}

/** The body parsed as a JSON object, or undefined (an error page, a truncated answer). */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function noAnswer(service: string, timeoutMs: number): UpstreamError {
  return new UpstreamError('SMCP_UPSTREAM_UNAVAILABLE', `${service}: no answer within ${timeoutMs / 1000} s`);
}

/** A failure class safe to show: a system error code or undici's, never a message (it may quote the host). */
function failureCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z_0-9]{2,40}$/.test(code) ? code : 'network error';
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  maxBytes: number,
  service: string,
) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      body.destroy();
      throw new UpstreamError(
        'SMCP_UPSTREAM_ERROR',
        `${service}: the answer is larger than ${maxBytes} bytes`,
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function delay(ms: number, signal: AbortSignal | undefined, service: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ToolFailure(`${service}: the call was cancelled`));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ToolFailure(`${service}: the call was cancelled`));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Whether a secret (a bearer token) may travel to this URL: over https, or over plain http to this machine
 * only, where nothing is on the wire.
 */
export function secureOrLoopback(url: URL): boolean {
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/** `{base}/{path}` with the base's trailing slashes dropped, so they never double. */
export function joinUrl(base: string, path: string): URL {
  return new URL(`${base.replace(/\/+$/, '')}/${path}`);
}
