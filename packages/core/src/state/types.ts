import { compileGlob } from '../shared/glob.js';

/** The outcome of one sliding-window hit. */
export interface SlidingWindowResult {
  readonly allowed: boolean;
  /** Hits in the window after this call (allowed) or at the moment of refusal (not allowed). */
  readonly count: number;
  /** When refused: milliseconds until the oldest counted hit leaves the window; 0 when allowed. */
  readonly retryAfterMs: number;
}

/**
 * Where rate-limit windows and HITL approvals live. Every method is atomic on its own; every failure
 * throws, and callers fail closed. Keys are plain strings; `agentState()` scopes them to one agent.
 */
export interface StateBackend {
  /** 'in_process' | 'redis' */
  readonly kind: string;
  /** true when other processes see the same state. */
  readonly shared: boolean;
  /** Sliding-window log: count hits in (now - windowMs, now]; if count >= limit → not allowed (no hit recorded); else record one. Atomic. */
  slidingWindowHit(key: string, limit: number, windowMs: number): Promise<SlidingWindowResult>;
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  get(key: string): Promise<string | undefined>;
  /** Atomic get-and-delete (GETDEL). */
  take(key: string): Promise<string | undefined>;
  delete(key: string): Promise<boolean>;
  /**
   * Full keys matching a glob (fnmatch: `*`, `?`, `[seq]`; everything else literal) — for the operator
   * CLI; bounded (SCAN on Redis, at most `MAX_KEYS` keys).
   */
  keys(pattern: string): Promise<string[]>;
  close(): Promise<void>;
}

/** keys() stops after this many matches, so a huge keyspace cannot stall the operator CLI. */
export const MAX_KEYS = 10_000;

/** What a state backend package's factory receives besides its manifest config. */
export interface StateBackendFactoryContext {
  readonly coreVersion: string;
  /** Optional ops logger for connection events; never given secrets. */
  readonly log?: StateBackendLog;
}

/** The slice of a pino logger a backend uses (pino's `warn(obj, msg)` shape). */
export interface StateBackendLog {
  info(fields: Record<string, unknown>, event: string): void;
  warn(fields: Record<string, unknown>, event: string): void;
}

/** `state_backend` config as a backend package gets it (`type` already chosen). */
export interface StateBackendPackageConfig {
  readonly url: string;
  readonly key_prefix?: string;
}

export interface StateBackendFactoryDefinition {
  /** The `state_backend.type` this factory serves, e.g. 'redis'. */
  readonly type: string;
  create(config: StateBackendPackageConfig, context: StateBackendFactoryContext): Promise<StateBackend>;
}

export const STATE_BACKEND_FACTORY_BRAND = Symbol.for('scoped-mcp.state-backend-factory');

export type StateBackendFactory = StateBackendFactoryDefinition & {
  readonly [STATE_BACKEND_FACTORY_BRAND]: 1;
};

/** The package.json keyword of a state backend package. */
export const STATE_KEYWORD = 'scoped-mcp-state';

/**
 * Declares a state backend package's default export. A plain object branded with Symbol.for, not a class:
 * the package may come with its own copy of core, and `instanceof` would break across copies.
 */
export function defineStateBackendFactory(definition: StateBackendFactoryDefinition): StateBackendFactory {
  if (typeof definition.create !== 'function') throw new Error('a state backend factory needs create()');
  return Object.freeze({ ...definition, [STATE_BACKEND_FACTORY_BRAND]: 1 as const });
}

export function isStateBackendFactory(value: unknown): value is StateBackendFactory {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[STATE_BACKEND_FACTORY_BRAND] === 1 &&
    typeof (value as { create?: unknown }).create === 'function' &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

// Argument checks and the key matcher every backend shares, so a caller's bug fails the same way on each
// and all backends agree on what a pattern selects.

export function stateTtlMs(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new RangeError(`ttlMs must be a positive number, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}

export function checkWindowArgs(limit: number, windowMs: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  }
  if (!Number.isSafeInteger(windowMs) || windowMs <= 0) {
    throw new RangeError(`windowMs must be a positive integer, got ${windowMs}`);
  }
}

/** The matcher of `keys()` patterns (fnmatch: `*`, `?`, `[seq]`; everything else literal). */
export function keyGlobMatcher(pattern: string): (key: string) => boolean {
  return compileGlob(pattern);
}
