/**
 * What every part of scoped-mcp needs from the audit stream: one JSON line per event, at a level. A pino
 * `Logger` satisfies it (tests and embedders pass one); `createAuditLogger` is the production writer.
 */
export interface AuditLogger {
  info(fields: object, event: string): void;
  warn(fields: object, event: string): void;
  error(fields: object, event: string): void;
}

export interface AuditLineParts {
  /** Fixed fields every line carries after the timestamp, e.g. `{ logger: 'audit', agent_id: … }`. */
  readonly bindings: Readonly<Record<string, string>>;
  /** `,"timestamp":"…"`: the text that follows the level. */
  timestamp(): string;
  /** Finishes a JSON object given without its closing brace (adds `prev`) and returns the line to write. */
  link(open: string): string;
  write(line: string): void;
}

/**
 * The audit line, serialised by hand: the level, timestamp and bindings prefix is fixed text, and the event's
 * own fields are one native `JSON.stringify`. Writes the same line pino would (`level`, `timestamp`, the
 * bindings, the fields, `event`) at a fraction of pino's per-line cost, which was most of the audit line's.
 */
export function createAuditLogger(parts: AuditLineParts): AuditLogger {
  const { timestamp, link, write } = parts;
  const bound = fragment(JSON.stringify(parts.bindings));
  const emit = (level: string) => {
    const head = `{"level":"${level}"`;
    return (fields: object, event: string) => {
      write(
        link(`${head}${timestamp()}${bound}${fragment(serialise(fields))},"event":${JSON.stringify(event)}`),
      );
    };
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** `{"a":1}` → `,"a":1`; `{}` → `` (the members of an object, ready to follow other members). */
function fragment(objectJson: string): string {
  return objectJson.length <= 2 ? '' : `,${objectJson.slice(1, -1)}`;
}

/** JSON of an event's fields; never throws, so a strange value cannot cost the line that records the call. */
function serialise(fields: object): string {
  try {
    return JSON.stringify(fields) ?? '{}';
  } catch {
    return JSON.stringify(fields, safeReplacer());
  }
}

/** Cycles become "[Circular]" and bigints decimal strings instead of throwing. */
function safeReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  const ancestors: unknown[] = [];
  return function (this: unknown, _key, value) {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object' || value === null) return value;
    // `this` is the object holding `value`: drop ancestors that are no longer on the path to it.
    while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
    if (ancestors.includes(value)) return '[Circular]';
    ancestors.push(value);
    return value;
  };
}
