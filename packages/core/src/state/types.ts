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
