import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { isScopedMcpError, type ScopedMcpError, ToolFailure } from '@scoped-mcp/core';
import {
  checkServiceUrl,
  createServiceClient,
  jsonObject,
  parseRetryAfter,
  responseError,
  type ServiceClient,
  type ServiceResponse,
} from '@scoped-mcp/service-http';
import type { EventType, MatrixClient, MsgType } from 'matrix-js-sdk';

// The one way this package talks to a homeserver, for the tool and the HITL sender: matrix-js-sdk's
// client without a sync loop, store, scheduler or crypto — three calls (resolve an alias, read a room's
// m.room.encryption state, send an m.text event) — with every request made by our own HTTP client
// (deadline, size cap, redirects never followed, the tool call's cancellation, a 429 retried only within
// the deadline). The SDK is imported when a connection is opened (module start, or the HITL sender's
// start), never at package import: it takes most of a second to load (see the package README).

export interface MatrixCredentials {
  readonly homeserver: string;
  readonly accessToken: string;
}

/** What one call carries through the SDK into our fetch: its signal, and the failure our client saw. */
interface CallScope {
  readonly signal: AbortSignal | undefined;
  failure?: ScopedMcpError;
}

export class MatrixConnection {
  /** Rooms known to carry m.room.encryption: encryption cannot be turned off, so they stay refused. */
  private readonly encrypted = new Set<string>();

  private constructor(
    private readonly client: MatrixClient,
    private readonly http: ServiceClient,
    private readonly calls: AsyncLocalStorage<CallScope>,
  ) {}

  /** Imports the SDK and builds its client; the names in messages are the variables', never their values. */
  static async open(credentials: MatrixCredentials, timeoutMs: number): Promise<MatrixConnection> {
    const base = homeserverUrl(credentials.homeserver);
    const sdk = await import('matrix-js-sdk');
    const http = createServiceClient({ service: 'Matrix', timeoutMs });
    const calls = new AsyncLocalStorage<CallScope>();
    const client = new sdk.MatrixClient({
      baseUrl: base.href,
      accessToken: credentials.accessToken,
      fetchFn: fetchThrough(http, calls),
      // The SDK logs requests (with the homeserver's URL) at debug level to the console, which is stdout:
      // the protocol's. Nothing of it is wanted.
      logger: SILENT,
    });
    return new MatrixConnection(client, http, calls);
  }

  /** `#alias:server` → `!room:server`, asked of the homeserver's room directory. */
  async resolveAlias(alias: string): Promise<string> {
    const answer = await this.call(undefined, () => this.client.getRoomIdForAlias(alias));
    return answer.room_id;
  }

  /**
   * Sends `text` as an m.text event, unless the room is encrypted (this client cannot encrypt, and a
   * plaintext message in an encrypted room would be readable by the server): then nothing is sent.
   */
  async sendText(roomId: string, text: string, signal?: AbortSignal): Promise<void> {
    if (this.encrypted.has(roomId) || (await this.isEncrypted(roomId, signal))) {
      this.encrypted.add(roomId);
      throw new ToolFailure(
        `Room '${roomId}' is end-to-end encrypted; this module sends to unencrypted rooms only, so nothing was sent`,
      );
    }
    // A fresh transaction id per message (the spec's idempotency key for this send).
    const txnId = `smcp-${randomUUID().replaceAll('-', '')}`;
    await this.call(signal, () =>
      this.client.sendEvent(
        roomId,
        'm.room.message' as EventType.RoomMessage,
        { msgtype: 'm.text' as MsgType.Text, body: text },
        txnId,
      ),
    );
  }

  async close(): Promise<void> {
    this.client.stopClient();
    await this.http.close();
  }

  private async isEncrypted(roomId: string, signal: AbortSignal | undefined): Promise<boolean> {
    try {
      await this.call(signal, () => this.client.getStateEvent(roomId, 'm.room.encryption', ''));
      return true;
    } catch (error) {
      if (isScopedMcpError(error) && (error as MatrixFailure).errcode === 'M_NOT_FOUND') return false;
      throw error;
    }
  }

  /** Runs one SDK call with the tool call's signal, and turns whatever it throws into our errors. */
  private async call<T>(signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    const scope: CallScope = { signal };
    try {
      return await this.calls.run(scope, run);
    } catch (error) {
      throw scope.failure ?? matrixFailure(error);
    }
  }
}

/** An error of the homeserver, with its errcode kept for the caller (M_NOT_FOUND means "no such state"). */
type MatrixFailure = ScopedMcpError & { errcode?: string };

/**
 * The SDK's errors as ours: a MatrixError by its status and errcode (the spec's names; its `error` text is
 * the server's and is not quoted), anything else by its class only.
 */
function matrixFailure(error: unknown): ScopedMcpError {
  const e = error as { name?: unknown; httpStatus?: unknown; errcode?: unknown; data?: unknown };
  if (typeof e?.httpStatus === 'number') {
    const errcode =
      typeof e.errcode === 'string' && /^M_[A-Z_]{1,40}$/.test(e.errcode) ? e.errcode : undefined;
    const data = e.data as { retry_after_ms?: unknown } | undefined;
    const wait = typeof data?.retry_after_ms === 'number' ? data.retry_after_ms : undefined;
    const response: ServiceResponse = {
      status: e.httpStatus,
      headers: {},
      text: '',
      ...(wait !== undefined ? { retryAfterMs: wait } : {}),
    };
    const failure: MatrixFailure = responseError('Matrix', response, errcode);
    if (errcode) failure.errcode = errcode;
    return failure;
  }
  return new ToolFailure(`Matrix: the request failed (${typeof e?.name === 'string' ? e.name : 'error'})`);
}

/** MATRIX_HOMESERVER checked by the rule of every service a secret goes to: https unless it is this machine. */
export function homeserverUrl(value: string, name = 'MATRIX_HOMESERVER'): URL {
  return checkServiceUrl(value, { field: name, secret: 'the access token' });
}

/** The SDK's fetch, made by our HTTP client: the SDK's own redirect and timeout settings are not used. */
function fetchThrough(http: ServiceClient, calls: AsyncLocalStorage<CallScope>): typeof fetch {
  return async (input, init) => {
    const scope = calls.getStore();
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init?.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'PUT' && method !== 'POST') {
      throw new ToolFailure(`Matrix: method ${method} is not used by this module`);
    }
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const body = typeof init?.body === 'string' ? init.body : undefined;
    const signals = [scope?.signal, init?.signal ?? undefined].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    let response: ServiceResponse;
    try {
      response = await http.send({
        method,
        url,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
        retryAfter: matrixRetryAfter,
      });
    } catch (error) {
      if (scope && isScopedMcpError(error)) scope.failure = error;
      throw error;
    }
    if (response.status >= 300 && response.status < 400) {
      // Never followed; reported as our error rather than handed to the SDK as a response.
      const failure = responseError('Matrix', response);
      if (scope) scope.failure = failure;
      throw failure;
    }
    const pairs: [string, string][] = [];
    for (const [key, value] of Object.entries(response.headers)) {
      for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) pairs.push([key, v]);
    }
    const empty = response.status === 204 || response.status === 304;
    return new Response(empty ? null : response.text, { status: response.status, headers: pairs });
  };
}

/** A 429's wait: the spec's `retry_after_ms` in the body, else the `Retry-After` header. */
function matrixRetryAfter(response: ServiceResponse): number | undefined {
  const ms = jsonObject(response.text)?.retry_after_ms;
  if (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) return ms;
  return parseRetryAfter(response.headers['retry-after']);
}

const noop = () => undefined;
const SILENT = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  getChild: () => SILENT,
};
