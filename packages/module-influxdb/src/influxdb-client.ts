import { HttpError, InfluxDB, type ParameterizedQuery } from '@influxdata/influxdb-client';
import { BucketsAPI, DeleteAPI, OrgsAPI } from '@influxdata/influxdb-client-apis';
import {
  errorName,
  type JsonValue,
  LimitExceededError,
  ScopedMcpError,
  ToolFailure,
  ToolInputError,
  UpstreamError,
} from '@scoped-mcp/core';
import {
  createServiceClient,
  parseRetryAfter,
  quotedLine,
  type ServiceClient,
  type ServiceTimeout,
} from '@scoped-mcp/service-http';
import { type InfluxdbServer, serviceTransport } from './service-transport.js';

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
 * InfluxDB v2 through the client library (@influxdata/influxdb-client and its -apis package): its APIs,
 * token header and annotated-CSV parser, over a transport made of scoped-mcp's HTTP client (one pool per
 * module instance) and bounded per call by its deadline, cancellation and the answer-size cap. Library
 * errors become core's.
 */
export class InfluxdbClient {
  readonly org: string;
  readonly #options: InfluxdbClientOptions;
  readonly #server: InfluxdbServer;
  readonly #http: ServiceClient;
  #orgId: Promise<string> | undefined;

  constructor(options: InfluxdbClientOptions) {
    this.org = options.org;
    this.#options = options;
    this.#server = { url: options.url, token: options.token };
    // InfluxDB's requests are never repeated: a 429 is the agent's to retry.
    this.#http = createServiceClient({
      service: 'InfluxDB',
      timeoutMs: options.timeoutMs,
      maxResponseBytes: options.maxResponseBytes,
      retryRateLimited: false,
    });
  }

  /** Closes the connection pool (the module's teardown). */
  close(): Promise<void> {
    return this.#http.close();
  }

  /** Rows of a Flux query, typed by the CSV annotations, at most max_rows. */
  async queryRows(query: ParameterizedQuery, scope: CallScope): Promise<Row[]> {
    const max = this.#options.maxRows;
    return this.#run(scope, this.#queryTimeout, (influx) => {
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
    await this.#run(scope, this.#timeout, (influx) => {
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
    const bucket = await this.#run(scope, this.#timeout, (influx) =>
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
    await this.#run(scope, this.#timeout, (influx) =>
      new DeleteAPI(influx).postDelete({ org: this.org, bucket, body }),
    );
  }

  /** The org's id, asked once (`GET /api/v2/orgs?org=`) and cached; a failed lookup is asked again. */
  #orgIdFor(scope: CallScope): Promise<string> {
    if (!this.#orgId) {
      this.#orgId = this.#run(scope, this.#timeout, async (influx) => {
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

  get #timeout(): ServiceTimeout {
    return { ms: this.#options.timeoutMs, setting: 'timeout_ms' };
  }

  get #queryTimeout(): ServiceTimeout {
    return { ms: this.#options.queryTimeoutMs, setting: 'query_timeout_ms' };
  }

  async #run<T>(
    scope: CallScope,
    timeout: ServiceTimeout,
    work: (influx: InfluxDB) => Promise<T>,
  ): Promise<T> {
    const transport = serviceTransport(this.#http, this.#server, { signal: scope.signal, timeout });
    const influx = new InfluxDB({ url: this.#server.url, transport });
    try {
      return await work(influx);
    } catch (error) {
      throw failure(error, scope);
    }
  }
}

/**
 * A library error as the agent's one line: what happened, never the URL or the token. Deadlines, caps,
 * cancellation and network failures are core's errors already (from the HTTP client).
 */
function failure(error: unknown, scope: CallScope): Error {
  if (error instanceof ScopedMcpError) return error;
  if (error instanceof HttpError) return httpFailure(error, scope.tool);
  if (scope.signal.aborted) return new ToolFailure(`${scope.tool} was cancelled`);
  if (error instanceof SyntaxError) {
    return new UpstreamError('SMCP_UPSTREAM_ERROR', `InfluxDB's answer to ${scope.tool} is not valid JSON`);
  }
  // The class only: a library message might quote the answer.
  return new UpstreamError(
    'SMCP_UPSTREAM_ERROR',
    `InfluxDB's answer to ${scope.tool} could not be read (${errorName(error)})`,
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
    const retryAfterMs = parseRetryAfter(error.headers?.['retry-after']);
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
  return message ? quotedLine(message) : undefined;
}
