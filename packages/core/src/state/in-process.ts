import { StateBackendError } from '../errors/errors.js';
import {
  checkWindowArgs,
  keyGlobMatcher,
  MAX_KEYS,
  type SlidingWindowResult,
  type StateBackend,
  stateTtlMs,
} from './types.js';

/** A sliding-window log: hit times (monotonic ms) from `head` on; older slots are dropped lazily. */
interface HitLog {
  readonly kind: 'window';
  times: number[];
  head: number;
  windowMs: number;
}

interface StoredValue {
  readonly kind: 'value';
  readonly value: string;
  readonly expiresAt: number;
}

type Entry = HitLog | StoredValue;

const SWEEP_INTERVAL_MS = 30_000;

/**
 * State in this process only: the default. Windows and TTLs run on the monotonic clock, so a wall-clock
 * jump neither frees nor freezes a limit. Every method is synchronous inside, hence atomic on the event loop.
 * Expired entries vanish on access and in a periodic sweep that never keeps the process alive.
 */
export function inProcessState(options: { now?: () => number } = {}): StateBackend {
  const now = options.now ?? (() => performance.now());
  const entries = new Map<string, Entry>();
  let closed = false;

  const sweep = setInterval(() => {
    const t = now();
    for (const [key, entry] of entries) if (isDead(entry, t)) entries.delete(key);
  }, SWEEP_INTERVAL_MS);
  sweep.unref();

  function open(): void {
    if (closed) throw new StateBackendError('state backend is closed');
  }

  /** The live entry at `key`, dropping it first if it has expired. */
  function live(key: string, t: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry && isDead(entry, t)) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function liveValue(key: string, t: number): StoredValue | undefined {
    const entry = live(key, t);
    if (entry?.kind === 'window') throw new TypeError(`key '${key}' holds a rate window, not a value`);
    return entry;
  }

  return {
    kind: 'in_process',
    shared: false,

    async slidingWindowHit(key, limit, windowMs): Promise<SlidingWindowResult> {
      open();
      checkWindowArgs(limit, windowMs);
      const t = now();
      const existing = live(key, t);
      if (existing?.kind === 'value') throw new TypeError(`key '${key}' holds a value, not a rate window`);
      const log: HitLog = existing ?? { kind: 'window', times: [], head: 0, windowMs };
      log.windowMs = windowMs;
      dropOld(log, t - windowMs);
      const count = log.times.length - log.head;
      if (count >= limit) {
        // The hit whose departure frees a slot is the (count - limit + 1)-th oldest.
        const freeing = limit === 0 ? undefined : log.times[log.head + count - limit];
        const retry = freeing === undefined ? windowMs : freeing + windowMs - t;
        if (count === 0) entries.delete(key);
        return { allowed: false, count, retryAfterMs: Math.max(1, Math.ceil(retry)) };
      }
      log.times.push(t);
      entries.set(key, log);
      return { allowed: true, count: count + 1, retryAfterMs: 0 };
    },

    async setIfAbsent(key, value, ttlMs) {
      open();
      const ttl = stateTtlMs(ttlMs);
      const t = now();
      if (live(key, t)) return false;
      entries.set(key, { kind: 'value', value, expiresAt: t + ttl });
      return true;
    },

    async set(key, value, ttlMs) {
      open();
      const ttl = stateTtlMs(ttlMs);
      entries.set(key, { kind: 'value', value, expiresAt: now() + ttl });
    },

    async get(key) {
      open();
      return liveValue(key, now())?.value;
    },

    async take(key) {
      open();
      const entry = liveValue(key, now());
      if (!entry) return undefined;
      entries.delete(key);
      return entry.value;
    },

    async delete(key) {
      open();
      const existed = live(key, now()) !== undefined;
      entries.delete(key);
      return existed;
    },

    async keys(pattern) {
      open();
      const matches = keyGlobMatcher(pattern);
      const t = now();
      const found: string[] = [];
      for (const [key, entry] of entries) {
        if (found.length >= MAX_KEYS) break;
        if (!isDead(entry, t) && matches(key)) found.push(key);
      }
      return found;
    },

    async close() {
      closed = true;
      clearInterval(sweep);
      entries.clear();
    },
  };
}

function isDead(entry: Entry, t: number): boolean {
  if (entry.kind === 'value') return entry.expiresAt <= t;
  const last = entry.times[entry.times.length - 1];
  return last === undefined || last <= t - entry.windowMs;
}

function dropOld(log: HitLog, cutoff: number): void {
  const { times } = log;
  while (log.head < times.length && (times[log.head] as number) <= cutoff) log.head++;
  // Compact once the dead prefix dominates, so a long-lived window stays O(limit) in memory.
  if (log.head > 32 && log.head * 2 > times.length) {
    log.times = times.slice(log.head);
    log.head = 0;
  }
}
