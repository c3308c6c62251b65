import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { ServerBusyError } from '../errors/errors.js';

export interface CallsInFlightLimits {
  /** Calls holding a slot at once. */
  readonly maxInFlight: number;
  /** Calls waiting for a slot, first come first served; more are refused. */
  readonly maxQueued: number;
}

/** One admitted call's hold on a slot. */
export interface CallSlot {
  /** Resolves when the call may run; rejects with the signal's reason if it is cancelled while waiting. */
  readonly ready: Promise<void>;
  /**
   * The call's handler has returned. The slot is freed once its answer has been handed to the transport
   * and the transport's send has resolved (on stdio: the write was taken, or stdout drained below its
   * high-water mark), or at once when the call was cancelled (the SDK then sends no answer).
   */
  finished(): void;
}

type Release = () => void;

/**
 * Bounds the tool calls one connection can keep open: `maxInFlight` run, `maxQueued` wait behind them,
 * any more are refused at once. A slot is held past the handler until the call's answer has been written:
 * answers are as large as a tool's cap, and a client that stops reading would otherwise have every new
 * call's answer pile up in stdout's buffer (1000 reads of a 900 KB file reached 3.6 GB and crashed the
 * process with `write ENOBUFS`). With the slot held, new calls wait and memory stays at `maxInFlight`
 * answers.
 *
 * `watch(transport)` is how an answer's write is seen: the transport's `send` is wrapped, and a response
 * whose id belongs to a finished call frees that call's slot when the send resolves. The SDK's stdio
 * transport resolves a send when the write was taken without exceeding stdout's high-water mark, or
 * else on `drain`, which is exactly "handed to stdout and drained".
 */
export class CallsInFlight {
  private running = 0;
  /** Calls waiting for a slot, oldest first; a cancelled one leaves the queue at once. */
  private readonly queue: Release[] = [];
  /** Finished calls whose answer has not reached `send` yet, by request id. */
  private readonly awaitingAnswer = new Map<RequestId, Release[]>();
  /** Answers in `send`, whose slot is freed when it resolves (or the connection closes). */
  private readonly inTransit = new Set<Release>();

  constructor(readonly limits: CallsInFlightLimits) {}

  /** Calls holding a slot and calls waiting for one, for tests and status. */
  get counts(): { readonly running: number; readonly queued: number } {
    return { running: this.running, queued: this.queue.length };
  }

  /** The error for a call refused because every slot and the queue are full. */
  busy(): ServerBusyError {
    return new ServerBusyError(this.limits.maxInFlight, this.limits.maxQueued);
  }

  /** A slot (or a place in the queue) for the call `requestId`; undefined when both are full. */
  admit(requestId: RequestId, signal: AbortSignal): CallSlot | undefined {
    let granted = false;
    let released = false;
    let onCancelAfterFinish: (() => void) | undefined;
    const release: Release = () => {
      if (!granted || released) return;
      released = true;
      if (onCancelAfterFinish) signal.removeEventListener('abort', onCancelAfterFinish);
      this.running--;
      this.grantNext();
    };
    let ready: Promise<void>;
    if (this.running < this.limits.maxInFlight) {
      this.running++;
      granted = true;
      ready = Promise.resolve();
    } else if (this.queue.length < this.limits.maxQueued) {
      ready = new Promise<void>((resolve, reject) => {
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        const grant: Release = () => {
          signal.removeEventListener('abort', onAbort);
          granted = true;
          resolve();
        };
        const onAbort = () => {
          const at = this.queue.indexOf(grant);
          if (at !== -1) this.queue.splice(at, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.queue.push(grant);
      });
    } else {
      return undefined;
    }
    return {
      ready,
      finished: () => {
        if (!granted || released) return;
        if (signal.aborted) {
          release();
          return;
        }
        const waiting = this.awaitingAnswer.get(requestId);
        if (waiting) waiting.push(release);
        else this.awaitingAnswer.set(requestId, [release]);
        // Cancelled before its answer reached send: the SDK drops the answer, so nothing will free the slot.
        onCancelAfterFinish = () => this.dropAwaiting(requestId, release);
        signal.addEventListener('abort', onCancelAfterFinish, { once: true });
      },
    };
  }

  /**
   * Wraps `transport.send` (in place, so the SDK's server can be connected to the same object) to see
   * each answer's write, and frees every slot when the connection closes. Call before connecting.
   */
  watch<T extends Transport>(transport: T): T {
    const send = transport.send.bind(transport);
    transport.send = (message: JSONRPCMessage, options) => {
      const release = this.answerSent(message);
      if (!release) return send(message, options);
      this.inTransit.add(release);
      const sending = send(message, options);
      const done = () => {
        this.inTransit.delete(release);
        release();
      };
      sending.then(done, done);
      return sending;
    };
    const onclose = transport.onclose;
    transport.onclose = () => {
      this.releaseAll();
      onclose?.();
    };
    return transport;
  }

  private answerSent(message: JSONRPCMessage): Release | undefined {
    if (!('id' in message) || !('result' in message || 'error' in message)) return undefined;
    const id = message.id as RequestId;
    const waiting = this.awaitingAnswer.get(id);
    const release = waiting?.shift();
    if (waiting?.length === 0) this.awaitingAnswer.delete(id);
    return release;
  }

  private dropAwaiting(requestId: RequestId, release: Release): void {
    const waiting = this.awaitingAnswer.get(requestId);
    const at = waiting?.indexOf(release) ?? -1;
    if (at === -1) return;
    waiting!.splice(at, 1);
    if (waiting!.length === 0) this.awaitingAnswer.delete(requestId);
    release();
  }

  private releaseAll(): void {
    const releases = [...this.inTransit, ...[...this.awaitingAnswer.values()].flat()];
    this.inTransit.clear();
    this.awaitingAnswer.clear();
    for (const release of releases) release();
  }

  private grantNext(): void {
    const grant = this.running < this.limits.maxInFlight ? this.queue.shift() : undefined;
    if (!grant) return;
    this.running++;
    grant();
  }
}
