import {
  HttpError,
  InfluxDB,
  type ParameterizedQuery,
  RequestTimedOutError,
  type Transport,
} from '@influxdata/influxdb-client';
import { BucketsAPI, DeleteAPI, OrgsAPI } from '@influxdata/influxdb-client-apis';
import {
  type JsonValue,
  LimitExceededError,
  ScopedMcpError,
  ToolFailure,
  ToolInputError,
  UpstreamError,
} from '@scoped-mcp/core';
import { boundedTransport } from './bounded-transport.js';

export interface InfluxdbClientOptions {
  readonly url: string;
  readonly token: string;
  readonly org: string;
  readonly timeoutMs: number;
  readonly queryTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxRows: number;
}

/** One tool call's view of InfluxDB: its name for messages, its cancellation. */
export interface CallScope {
  readonly tool: string;
  readonly signal: AbortSignal;
}

type Row = Record<string, JsonValue>;

/**
 * InfluxDB v2 through the client library (@influxdata/influxdb-client and its -apis package): the
 * library's transport, token and annotated-CSV parser; per call, its transport bounded by the call's
 * deadline, cancellation and the answer-size cap (boundedTransport). Library errors become core's.
 */
export class InfluxdbClient {
  readonly org: string;
  readonly #options: InfluxdbClientOptions;
  readonly #base: Transport;
  #orgId: Promise<string> | undefined;

  constructor(options: InfluxdbClientOptions) {
    this.org = options.org;
    this.#options = options;
    // timeout is the library's socket inactivity limit; each call adds its own deadline on top.
    this.#base = new InfluxDB({
      url: options.url,
      token: options.token,
      timeout: options.timeoutMs,
    }).transport;
  }

  /** Rows of a Flux query, typed by the CSV annotations, at most max_rows. */
  async queryRows(query: ParameterizedQuery, scope: CallScope): Promise<Row[]> {
    const max = this.#options.maxRows;
    return this.#run(scope, this.#options.queryTimeoutMs, 'query_timeout_ms', (influx) => {
      const api = influx.getQueryApi(this.org);
      return new Promise<Row[]>((resolve, reject) => {
        const rows: Row[] = [];
        let cancel: (() => void) | undefined;
        api.queryRows(query, {
          useCancellable(cancellable) {
            cancel = () => cancellable.cancel();
          },
          next(values, meta) {
            if (rows.length >= max) {
              // Rejected before the cancel: cancelling completes the stream at once, which would resolve
              // the rows read so far as if they were the whole answer.
              reject(
                new LimitExceededError(
                  `${scope.tool}: the query returned more than max_rows (${max}) rows; narrow the time range or add filters`,
                  { name: 'max_rows', value: max },
                ),
              );
              cancel?.();
              return true;
            }
            rows.push(meta.toObject(values) as Row);
            return true;
          },
          error: reject,
          complete: () => resolve(rows),
        });
      });
    });
  }

  /** Line protocol to a bucket, nanosecond precision. */
  async write(bucket: string, lines: string, scope: CallScope): Promise<void> {
    await this.#run(scope, this.#options.timeoutMs, 'timeout_ms', (influx) => {
      const query = new URLSearchParams({ org: this.org, bucket, precision: 'ns' });
      return influx.transport.request(`/api/v2/write?${query}`, lines, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8', accept: 'application/json' },
      });
    });
  }

  /** Creates a bucket in the org; `retentionSeconds` 0 keeps data for ever. */
  async createBucket(
    name: string,
    retentionSeconds: number,
    scope: CallScope,
  ): Promise<{ id: string; name: string }> {
    const orgID = await this.#orgIdFor(scope);
    const bucket = await this.#run(scope, this.#options.timeoutMs, 'timeout_ms', (influx) =>
      new BucketsAPI(influx).postBuckets({
        body: {
          orgID,
          name,
          retentionRules: retentionSeconds === 0 ? [] : [{ type: 'expire', everySeconds: retentionSeconds }],
        },
      }),
    );
    return { id: String(bucket.id ?? ''), name: bucket.name };
  }

  async deletePoints(
    bucket: string,
    body: { start: string; stop: string; predicate: string },
    scope: CallScope,
  ): Promise<void> {
    await this.#run(scope, this.#options.timeoutMs, 'timeout_ms', (influx) =>
      new DeleteAPI(influx).postDelete({ org: this.org, bucket, body }),
    );
  }

  /** The org's id, asked once (`GET /api/v2/orgs?org=`) and cached; a failed lookup is asked again. */
  #orgIdFor(scope: CallScope): Promise<string> {
    if (!this.#orgId) {
      this.#orgId = this.#run(scope, this.#options.timeoutMs, 'timeout_ms', async (influx) => {
        const found = await new OrgsAPI(influx).getOrgs({ org: this.org });
        const id = found.orgs?.find((org) => org.name === this.org)?.id;
        if (!id) throw new ToolFailure(`Organization '${this.org}' not found in InfluxDB`);
        return id;
      });
      this.#orgId.catch(() => {
        this.#orgId = undefined;
      });
    }
    return this.#orgId;
  }

  async #run<T>(
    scope: CallScope,
    timeoutMs: number,
    setting: string,
    work: (influx: InfluxDB) => Promise<T>,
  ): Promise<T> {
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([scope.signal, deadline]);
    const transport = boundedTransport(this.#base, {
      signal,
      maxResponseBytes: this.#options.maxResponseBytes,
      tool: scope.tool,
    });
    const influx = new InfluxDB({ url: this.#options.url, transport });
    try {
      return await work(influx);
    } catch (error) {
      throw failure(error, scope, deadline, timeoutMs, setting);
    }
  }
}

/** A library or network error as the agent's one line: what happened, never the URL or the token. */
function failure(
  error: unknown,
  scope: CallScope,
  deadline: AbortSignal,
  timeoutMs: number,
  setting: string,
): Error {
  if (error instanceof ScopedMcpError) return error;
  if (error instanceof HttpError) return httpFailure(error, scope.tool);
  if (scope.signal.aborted) return new ToolFailure(`${scope.tool} was cancelled`);
  if (deadline.aborted || error instanceof RequestTimedOutError) {
    return new UpstreamError(
      'SMCP_UPSTREAM_UNAVAILABLE',
      `InfluxDB did not answer ${scope.tool} within ${timeoutMs} ms (${setting}); retry later, or narrow the query`,
    );
  }
  if (error instanceof SyntaxError) {
    return new UpstreamError('SMCP_UPSTREAM_ERROR', `InfluxDB's answer to ${scope.tool} is not valid JSON`);
  }
  // The code (ECONNREFUSED, ENOTFOUND) says what happened; the message would name the host.
  const code = (error as { code?: unknown } | null)?.code;
  return new UpstreamError(
    'SMCP_UPSTREAM_UNAVAILABLE',
    `cannot reach InfluxDB for ${scope.tool} (${typeof code === 'string' ? code : 'network error'}); retry later`,
  );
}

function httpFailure(error: HttpError, tool: string): Error {
  const status = error.statusCode;
  const said = influxMessage(error);
  if (status >= 300 && status < 400) {
    return new UpstreamError(
      'SMCP_UPSTREAM_ERROR',
      `InfluxDB answered ${tool} with a redirect (HTTP ${status}), which is not followed; the operator must point INFLUXDB_URL at InfluxDB itself`,
    );
  }
  if (status === 401 || status === 403) {
    return new UpstreamError(
      'SMCP_UPSTREAM_ERROR',
      `InfluxDB refused the token for ${tool} (HTTP ${status}): the operator must check INFLUXDB_TOKEN and its permissions`,
    );
  }
  if (status === 429 || status >= 500) {
    const retryAfterMs = retryAfterMsOf(error.headers?.['retry-after']);
    return new UpstreamError(
      'SMCP_UPSTREAM_UNAVAILABLE',
      `InfluxDB could not serve ${tool} (HTTP ${status})${said ? `: ${said}` : ''}; retry later`,
      retryAfterMs === undefined ? {} : { details: { retry_after_ms: retryAfterMs } },
    );
  }
  return new ToolInputError(`InfluxDB refused ${tool} (HTTP ${status})${said ? `: ${said}` : ''}`);
}

/** InfluxDB's `{ "code", "message" }`, on one bounded line. */
function influxMessage(error: HttpError): string | undefined {
  const message = typeof error.json?.message === 'string' ? error.json.message : undefined;
  if (!message) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const line = message.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function retryAfterMsOf(value: unknown): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== 'string') return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
