import { isScopedMcpError, LimitExceededError, ToolFailure, UpstreamError, z } from '@scoped-mcp/core';
import { Agent, type Dispatcher, request } from 'undici';
import { headerRetryAfter } from './service-answer.js';

// The one way a module talks to a web service (ntfy, Slack, Discord, a Matrix homeserver, Grafana,
// InfluxDB, http_proxy's services): every request has a deadline, reads at most a capped answer, never
// follows a redirect, stops when the tool call is cancelled, and retries only a 429 that says when
// (Retry-After), only if the retry still fits the deadline. Failures are core's errors, one rule for every
// module: no answer within the deadline or an answer over the cap is SMCP_LIMIT_EXCEEDED naming the setting
// (as every other deadline and cap in scoped-mcp), a service that cannot be reached SMCP_UPSTREAM_UNAVAILABLE,
// a cancelled call a ToolFailure. They name the service, never the URL (a webhook URL is the secret, a
// query may carry a key) and never the answer's body.

/** The services' documented default for a client: give up after 10 s. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** The answers notification services give are small JSON objects; more is refused unread. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
/** Attempts of one send at most, the first one included (each retry only after a 429 with a delay). */
const MAX_ATTEMPTS = 3;

export type ServiceMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** A deadline and the setting it comes from, named when it passes: `{ ms: 30000, setting: 'query_timeout_ms' }`. */
export interface ServiceTimeout {
  readonly ms: number;
  readonly setting: string;
}

export interface ServiceClientOptions {
  /** The service for people, starting every error message: `ntfy`, `Grafana`, `Service 'github'`. */
  readonly service: string;
  /** The whole budget of one `send`, retries included (default 10 s). */
  readonly timeoutMs?: number;
  /** The setting `timeoutMs` comes from, named when it passes (default `timeout_ms`). */
  readonly timeoutSetting?: string;
  /** Largest answer body read (default 64 KiB); a longer one fails the request. */
  readonly maxResponseBytes?: number;
  /** The setting `maxResponseBytes` comes from, named when it refuses (default `max_response_bytes`). */
  readonly maxResponseSetting?: string;
  /**
   * Connections from the module's own dispatcher (http_proxy's address-checking Agent). The module closes
   * it; without one the client has its own pool, closed by `close()`.
   */
  readonly dispatcher?: Dispatcher;
  /** Retry a 429 that says when (default true); false for a module whose requests are never repeated. */
  readonly retryRateLimited?: boolean;
}

export interface ServiceRequest {
  readonly method: ServiceMethod;
  readonly url: URL;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** The tool call's signal: cancelling the call aborts the request and any wait before a retry. */
  readonly signal?: AbortSignal;
  /** This request's deadline instead of the client's (a query's longer one). */
  readonly timeout?: ServiceTimeout;
  /**
   * How long a 429 asks to wait, in ms; default: its `Retry-After` header. Services that say it in the body
   * too (Discord's `retry_after`) read it here.
   */
  readonly retryAfter?: (response: ServiceResponse) => number | undefined;
}

export interface ServiceResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as UTF-8 text (at most the cap). */
  readonly text: string;
  /** For a 429 or 503: how long the service asked to wait, in ms, when it said. */
  readonly retryAfterMs?: number;
}

export interface ServiceClient {
  /**
   * Sends the request and resolves with the answer, whatever its status (the module knows what a status
   * means for its service). Throws when there is no answer within the deadline, the connection fails, the
   * answer is too large, or the call is cancelled.
   */
  send(request: ServiceRequest): Promise<ServiceResponse>;
  /** Closes the client's own connection pool (the module's teardown); requests still open are aborted. */
  close(): Promise<void>;
}

/** undici's own deadlines (connect, headers, body), which the per-request signal may not see first. */
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

/** One client per module instance (or per named service), closed in its teardown. */
export function createServiceClient(options: ServiceClientOptions): ServiceClient {
  const service = options.service;
  const timeout: ServiceTimeout = {
    ms: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    setting: options.timeoutSetting ?? 'timeout_ms',
  };
  const cap = {
    bytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    setting: options.maxResponseSetting ?? 'max_response_bytes',
  };
  const maxAttempts = options.retryRateLimited === false ? 1 : MAX_ATTEMPTS;
  // The per-request signal enforces the deadline; the pool's own timeouts only bound what it cannot see.
  const own = options.dispatcher
    ? undefined
    : new Agent({ connect: { timeout: timeout.ms }, headersTimeout: timeout.ms, bodyTimeout: timeout.ms });
  const dispatcher = options.dispatcher ?? (own as Agent);

  const tooLarge = () =>
    new LimitExceededError(`${service} answered with more than ${cap.bytes} bytes (${cap.setting})`, {
      name: cap.setting,
      value: cap.bytes,
    });
  const noAnswer = (limit: ServiceTimeout) =>
    new LimitExceededError(`${service} did not answer within ${limit.ms} ms (${limit.setting})`, {
      name: limit.setting,
      value: limit.ms,
    });
  const cancelled = () => new ToolFailure(`${service}: the call was cancelled`);

  async function attempt(req: ServiceRequest, limit: ServiceTimeout, deadline: number) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw noAnswer(limit);
    const timer = AbortSignal.timeout(remaining);
    const signal = req.signal ? AbortSignal.any([req.signal, timer]) : timer;
    try {
      const answer = await request(req.url, {
        dispatcher,
        method: req.method,
        headers: { ...req.headers },
        ...(req.body !== undefined ? { body: req.body } : {}),
        signal,
        headersTimeout: remaining,
        bodyTimeout: remaining,
      });
      const declared = Number(answer.headers['content-length']);
      if (Number.isFinite(declared) && declared > cap.bytes) {
        discard(answer.body);
        throw tooLarge();
      }
      const text = await readCapped(answer.body, cap.bytes, tooLarge);
      const response: ServiceResponse = { status: answer.statusCode, headers: answer.headers, text };
      if (answer.statusCode !== 429 && answer.statusCode !== 503) return response;
      const retryAfterMs = (answer.statusCode === 429 && req.retryAfter) || headerRetryAfter;
      const wait = retryAfterMs(response);
      return wait === undefined ? response : { ...response, retryAfterMs: wait };
    } catch (error) {
      // The module's own dispatcher may refuse a connection with an error of ours (an address not allowed).
      if (isScopedMcpError(error)) throw error;
      if (req.signal?.aborted) throw cancelled();
      const code = (error as { code?: unknown } | null)?.code;
      if (timer.aborted || (typeof code === 'string' && TIMEOUT_CODES.has(code))) throw noAnswer(limit);
      throw new UpstreamError(
        'SMCP_UPSTREAM_UNAVAILABLE',
        `${service} could not be reached (${failureCode(error)})`,
      );
    }
  }

  return {
    async send(req) {
      const limit = req.timeout ?? timeout;
      const deadline = Date.now() + limit.ms;
      for (let attempts = 1; ; attempts++) {
        const response = await attempt(req, limit, deadline);
        const wait = response.retryAfterMs;
        // A retry must fit the deadline with room for the request itself; otherwise the 429 is the answer.
        if (
          response.status !== 429 ||
          wait === undefined ||
          attempts >= maxAttempts ||
          Date.now() + wait >= deadline - Math.min(1000, limit.ms / 10)
        ) {
          return response;
        }
        await delay(wait, req.signal, cancelled);
      }
    },
    close: async () => {
      await own?.destroy();
    },
  };
}

/** A failure class safe to show: a system error code or undici's, never a message (it may quote the host). */
function failureCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z_0-9]{2,40}$/.test(code) ? code : 'network error';
}

type Body = AsyncIterable<Buffer> & { destroy(): unknown; on(event: 'error', listener: () => void): unknown };

/** Stops reading an answer; the abort error the stream then emits has nobody to tell. */
function discard(body: Body): void {
  body.on('error', () => undefined);
  body.destroy();
}

async function readCapped(body: Body, maxBytes: number, tooLarge: () => Error): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      discard(body);
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

function delay(ms: number, signal: AbortSignal | undefined, cancelled: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelled());
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// The config settings every module on this client takes, written once so their bounds and wording agree.

export interface TimeoutSettingOptions {
  /** Default budget in ms. */
  readonly defaultMs: number;
  /** Smallest budget accepted (default 1 ms). */
  readonly minMs?: number;
  /** Largest budget accepted (default 120 s). */
  readonly maxMs?: number;
  /** What the budget covers, for the manifest schema's description. */
  readonly description: string;
}

/** `timeout_ms`-style setting: an integer number of milliseconds within bounds, with its default. */
export function timeoutSetting(options: TimeoutSettingOptions) {
  return z
    .number()
    .int()
    .min(options.minMs ?? 1)
    .max(options.maxMs ?? 120_000)
    .default(options.defaultMs)
    .describe(options.description);
}

/** A webhook or push service's `timeout_ms`: one send, a retry after a 429 included. */
export function sendTimeoutSetting() {
  return timeoutSetting({
    defaultMs: 10_000,
    description: 'Budget of one send in ms, a retry after a 429 included (default 10 s).',
  });
}
