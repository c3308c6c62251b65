// A cap on the size of the arguments an audit line records. Sanitising cuts each string and keeps 100 entries
// per object, 8 levels deep; that still lets one call carry megabytes (100 keys of 100 keys of 500-character
// strings), and a refused call is as cheap for an agent to send as an accepted one. Sizes are counted in
// characters of the JSON text, which is what the line holds (bytes for ASCII).

/** The default of `audit.max_args_bytes`. */
export const DEFAULT_MAX_AUDIT_ARGS_BYTES = 16 * 1024;

/** Room kept for the markers a cut leaves. */
const MARKER_ROOM = 40;

export interface BoundedArgs {
  readonly args: unknown;
  /** The size the arguments had, when they were cut to fit. */
  readonly cutFrom?: number;
}

/**
 * Returns sanitised arguments as they are when their JSON fits `maxBytes`, else a copy cut to fit: strings
 * shortened (`…<cut N chars>`), entries past the budget replaced by one marker, like the sanitiser's. Costs a
 * walk that stops at `maxBytes` for arguments that fit.
 */
export function boundArgs(value: unknown, maxBytes: number): BoundedArgs {
  const size = jsonSize(value, maxBytes);
  if (size <= maxBytes) return { args: value };
  const budget = { left: Math.max(0, maxBytes - MARKER_ROOM) };
  return { args: shrink(value, budget), cutFrom: jsonSize(value, Number.POSITIVE_INFINITY) };
}

/** The JSON text's length, counted until it passes `limit` (then any larger number). */
function jsonSize(value: unknown, limit: number): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value).length;
    case 'object': {
      if (value === null) return 4;
      let size = 2;
      if (Array.isArray(value)) {
        for (const item of value) {
          size += jsonSize(item, limit - size) + 1;
          if (size > limit) return size;
        }
        return size;
      }
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        size += key.length + 4 + jsonSize((value as Record<string, unknown>)[key], limit - size);
        if (size > limit) return size;
      }
      return size;
    }
    default:
      return 0;
  }
}

function shrink(value: unknown, budget: { left: number }): unknown {
  if (typeof value === 'string') {
    if (value.length + 2 <= budget.left) {
      budget.left -= value.length + 2;
      return value;
    }
    const kept = Math.max(0, budget.left - MARKER_ROOM);
    budget.left = 0;
    return `${value.slice(0, kept)}…<cut ${value.length - kept} chars>`;
  }
  if (typeof value !== 'object' || value === null) {
    budget.left -= jsonSize(value, Number.POSITIVE_INFINITY);
    return value;
  }
  budget.left -= 2;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      if (budget.left <= MARKER_ROOM) {
        out.push(`<${value.length - i} more>`);
        break;
      }
      out.push(shrink(value[i], budget));
      budget.left -= 1;
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (budget.left <= MARKER_ROOM + key.length) {
      out['<truncated>'] = `${keys.length - i} more`;
      break;
    }
    budget.left -= key.length + 4;
    out[key] = shrink((value as Record<string, unknown>)[key], budget);
  }
  return out;
}
