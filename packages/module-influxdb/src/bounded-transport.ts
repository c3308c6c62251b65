import type {
  Cancellable,
  CommunicationObserver,
  Headers,
  ResponseStartedFn,
  SendOptions,
  Transport,
} from '@influxdata/influxdb-client';
import { LimitExceededError } from '@scoped-mcp/core';

/** What one tool call allows its requests. */
export interface CallBounds {
  /** The call's cancellation and deadline, together. */
  readonly signal: AbortSignal;
  readonly maxResponseBytes: number;
  /** The exposed tool name, for messages. */
  readonly tool: string;
}

/**
 * The client library's transport (ClientOptions.transport, its documented extension point) bounded for one
 * tool call: every request carries the call's signal (cancellation and deadline), and an answer is read up
 * to max_response_bytes, then cut off. The library's own transport does the HTTP: no redirect is followed
 * (it follows them only when given follow-redirects), the token goes in `Authorization: Token`.
 */
export function boundedTransport(base: Transport, bounds: CallBounds): Transport {
  const tooLarge = () =>
    new LimitExceededError(
      `InfluxDB's answer to ${bounds.tool} is larger than max_response_bytes (${bounds.maxResponseBytes} bytes); narrow the query`,
      { name: 'max_response_bytes', value: bounds.maxResponseBytes },
    );
  const withSignal = (options: SendOptions): SendOptions => ({
    ...options,
    signal: options.signal ? AbortSignal.any([options.signal, bounds.signal]) : bounds.signal,
  });

  function send(
    path: string,
    body: string,
    options: SendOptions,
    callbacks?: Partial<CommunicationObserver<Uint8Array>>,
  ): void {
    let received = 0;
    let cancellable: Cancellable | undefined;
    let failed = false;
    base.send(path, body, withSignal(options), {
      ...callbacks,
      useCancellable(c: Cancellable) {
        cancellable = c;
        callbacks?.useCancellable?.(c);
      },
      next(chunk: Uint8Array) {
        if (failed) return true;
        received += chunk.length;
        if (received > bounds.maxResponseBytes) {
          failed = true;
          cancellable?.cancel();
          callbacks?.error?.(tooLarge());
          return true;
        }
        return callbacks?.next?.(chunk) ?? true;
      },
      error(error: Error) {
        if (!failed) callbacks?.error?.(error);
      },
      complete() {
        if (!failed) callbacks?.complete?.();
      },
    });
  }

  /** The library's request(): JSON decoded by content type, 204 as undefined; here over the bounded send. */
  function request(path: string, body: unknown, options: SendOptions, started?: ResponseStartedFn) {
    const text =
      body === undefined || body === null || body === ''
        ? ''
        : typeof body === 'string'
          ? body
          : JSON.stringify(body);
    return new Promise<unknown>((resolve, reject) => {
      const chunks: Uint8Array[] = [];
      let status: number | undefined;
      let contentType = '';
      send(path, text, options, {
        responseStarted(headers: Headers, statusCode?: number) {
          started?.(headers, statusCode);
          status = statusCode;
          contentType = String(headers['content-type'] ?? '');
        },
        next(chunk: Uint8Array) {
          chunks.push(chunk);
          return true;
        },
        error: reject,
        complete() {
          const decoded = Buffer.concat(chunks).toString('utf8');
          if (status === 204 || decoded === '') return resolve(undefined);
          if (!(options.headers?.accept ?? contentType).includes('json')) return resolve(decoded);
          try {
            resolve(JSON.parse(decoded));
          } catch (error) {
            reject(error);
          }
        },
      });
    });
  }

  return {
    send,
    request,
    async *iterate(path: string, body: string, options: SendOptions) {
      let received = 0;
      for await (const chunk of base.iterate(path, body, withSignal(options))) {
        received += chunk.length;
        if (received > bounds.maxResponseBytes) throw tooLarge();
        yield chunk;
      }
    },
    get chunkCombiner() {
      return base.chunkCombiner;
    },
  };
}
