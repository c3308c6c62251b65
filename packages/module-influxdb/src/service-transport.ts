import {
  type Cancellable,
  type CommunicationObserver,
  createTextDecoderCombiner,
  type Headers,
  HttpError,
  type ResponseStartedFn,
  type SendOptions,
  type Transport,
} from '@influxdata/influxdb-client';
import type { ServiceClient, ServiceMethod, ServiceResponse, ServiceTimeout } from '@scoped-mcp/service-http';

/** Where the requests go, and with what. */
export interface InfluxdbServer {
  /** The base URL, checked, without a trailing slash. */
  readonly url: string;
  readonly token: string;
}

/** What one tool call allows its requests. */
export interface CallBounds {
  /** The call's cancellation. */
  readonly signal: AbortSignal;
  /** The deadline of each request, and the setting it comes from (timeout_ms or query_timeout_ms). */
  readonly timeout: ServiceTimeout;
}

/**
 * The client library's transport (ClientOptions.transport, its documented extension point) made of
 * scoped-mcp's HTTP client, for one tool call: each request has the call's deadline and cancellation, its
 * answer is read up to max_response_bytes, no redirect is followed, and a failure is core's error naming
 * the limit that refused it. The library keeps its part: the APIs, the token header's form, the annotated
 * CSV parser, its HttpError for a status it does not accept (as its own transport does for 3xx and above).
 */
export function serviceTransport(
  client: ServiceClient,
  server: InfluxdbServer,
  bounds: CallBounds,
): Transport {
  async function exchange(path: string, body: string, options: SendOptions): Promise<ServiceResponse> {
    const response = await client.send({
      method: options.method.toUpperCase() as ServiceMethod,
      url: new URL(`${server.url}${path}`),
      // The library's own transport's defaults, then the request's.
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: `Token ${server.token}`,
        ...options.headers,
      },
      ...(body === '' ? {} : { body }),
      signal: options.signal ? AbortSignal.any([options.signal, bounds.signal]) : bounds.signal,
      timeout: bounds.timeout,
    });
    if (response.status >= 300) {
      const header = (name: string) => [response.headers[name]].flat()[0];
      throw new HttpError(
        response.status,
        undefined,
        response.text,
        header('retry-after'),
        header('content-type'),
        undefined,
        response.headers as Headers,
      );
    }
    return response;
  }

  function send(
    path: string,
    body: string,
    options: SendOptions,
    callbacks?: Partial<CommunicationObserver<Uint8Array>>,
  ): void {
    // The library cancels a query it has read enough of (max_rows): nothing more is reported after that.
    const cancelling = new AbortController();
    const cancellable: Cancellable = {
      cancel: () => cancelling.abort(),
      isCancelled: () => cancelling.signal.aborted,
    };
    callbacks?.useCancellable?.(cancellable);
    const signal = options.signal ? AbortSignal.any([options.signal, cancelling.signal]) : cancelling.signal;
    exchange(path, body, { ...options, signal }).then(
      (response) => {
        if (cancellable.isCancelled()) return;
        callbacks?.responseStarted?.(response.headers as Headers, response.status);
        if (response.text !== '') callbacks?.next?.(Buffer.from(response.text, 'utf8'));
        if (!cancellable.isCancelled()) callbacks?.complete?.();
      },
      (error: Error) => {
        if (!cancellable.isCancelled()) callbacks?.error?.(error);
      },
    );
  }

  /** The library's request(): JSON decoded by content type, 204 or an empty body as undefined. */
  async function request(path: string, body: unknown, options: SendOptions, started?: ResponseStartedFn) {
    const text =
      body === undefined || body === null || body === ''
        ? ''
        : typeof body === 'string'
          ? body
          : JSON.stringify(body);
    const response = await exchange(path, text, options);
    started?.(response.headers as Headers, response.status);
    if (response.status === 204 || response.text === '') return undefined;
    const contentType = [response.headers['content-type']].flat()[0] ?? '';
    if (!(options.headers?.accept ?? contentType).includes('json')) return response.text;
    return JSON.parse(response.text) as unknown;
  }

  return {
    send,
    request,
    async *iterate(path: string, body: string, options: SendOptions) {
      const response = await exchange(path, body, options);
      if (response.text !== '') yield Buffer.from(response.text, 'utf8');
    },
    chunkCombiner: createTextDecoderCombiner(),
  };
}
