import type { StateBackend } from './types.js';

/** The reference's root segment: `scoped-mcp:{agent_id}:rate:global`. */
export const DEFAULT_STATE_PREFIX = 'scoped-mcp';

/** `scoped-mcp:{agentId}:` with the id sanitised, so the id can never add or fake a segment. */
export function agentKeyPrefix(agentId: string, prefix: string = DEFAULT_STATE_PREFIX): string {
  if (agentId.length === 0) throw new Error('agentState needs a non-empty agent id');
  return `${prefix}:${sanitizeKeyPart(agentId)}:`;
}

/**
 * A view of `backend` holding only one agent's keys: every key is prefixed with
 * `{prefix}:{sanitised agentId}:`. `keys()` returns full keys, and only ever matches inside the prefix
 * (the prefix is escaped, so an id cannot widen the pattern). `close()` closes the underlying backend.
 */
export function agentState(
  backend: StateBackend,
  agentId: string,
  prefix: string = DEFAULT_STATE_PREFIX,
): StateBackend {
  const root = agentKeyPrefix(agentId, prefix);
  const scoped = (key: string) => root + sanitizeKey(key);
  const rootGlob = escapeGlob(root);
  return {
    kind: backend.kind,
    shared: backend.shared,
    slidingWindowHit: (key, limit, windowMs) => backend.slidingWindowHit(scoped(key), limit, windowMs),
    setIfAbsent: (key, value, ttlMs) => backend.setIfAbsent(scoped(key), value, ttlMs),
    set: (key, value, ttlMs) => backend.set(scoped(key), value, ttlMs),
    get: (key) => backend.get(scoped(key)),
    take: (key) => backend.take(scoped(key)),
    delete: (key) => backend.delete(scoped(key)),
    keys: async (pattern) =>
      (await backend.keys(rootGlob + sanitizeKey(pattern))).filter((k) => k.startsWith(root)),
    close: () => backend.close(),
  };
}

/**
 * The reference's key sanitising: ':' separates key segments, so a value spliced into one segment
 * (an agent id, a tool pattern) has its ':' turned into '|'; CR, LF and NUL become '_' so a key can never
 * break a log line or a protocol frame.
 */
export function sanitizeKeyPart(value: string): string {
  return value.replace(/:/g, '|').replace(/[\r\n\0]/g, '_');
}

/** For whole keys: segments stay, control characters go. */
export function sanitizeKey(key: string): string {
  return key.replace(/[\r\n\0]/g, '_');
}

/** Makes a literal string safe to put in an fnmatch glob: the three characters that start a wildcard become one-member sets. */
export function escapeGlob(literal: string): string {
  return literal.replace(/[*?[]/g, (c) => `[${c}]`);
}
