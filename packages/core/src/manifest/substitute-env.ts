// Braced form only, as in the reference: `$VAR` stays literal. Extension: `${VAR:-default}`.
const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

interface Span {
  readonly outStart: number;
  readonly outEnd: number;
  readonly srcStart: number;
  readonly srcEnd: number;
}

export interface SubstitutionResult {
  readonly text: string;
  /** Undefined variable names, each once, in order of first use. */
  readonly missing: readonly string[];
  /** Values put into the text, by variable name; used to keep them out of error messages. */
  readonly substituted: ReadonlyMap<string, string>;
  /** Maps an offset in `text` back to the source, so positions in errors point into the file as written. */
  toSourceOffset(offset: number): number;
}

/**
 * Expands `${VAR}` on the raw text, before YAML parsing — comments included, like the reference. An empty
 * value counts as defined for `${VAR}`; `${VAR:-default}` uses the default when VAR is unset or empty.
 */
export function substituteEnv(source: string, env: NodeJS.ProcessEnv): SubstitutionResult {
  const missing: string[] = [];
  const substituted = new Map<string, string>();
  const spans: Span[] = [];
  let out = '';
  let last = 0;
  for (const match of source.matchAll(VARIABLE)) {
    const name = match[1]!;
    const fallback = match[2];
    const raw = Object.hasOwn(env, name) ? env[name] : undefined;
    let value: string;
    if (raw) {
      value = raw;
      substituted.set(name, raw);
    } else if (fallback !== undefined) {
      value = fallback;
    } else if (raw === '') {
      value = '';
    } else {
      if (!missing.includes(name)) missing.push(name);
      value = '';
    }
    out += source.slice(last, match.index);
    const outStart = out.length;
    out += value;
    spans.push({
      outStart,
      outEnd: out.length,
      srcStart: match.index,
      srcEnd: match.index + match[0].length,
    });
    last = match.index + match[0].length;
  }
  out += source.slice(last);
  return { text: out, missing, substituted, toSourceOffset: (offset) => toSource(spans, offset) };
}

function toSource(spans: readonly Span[], offset: number): number {
  let previous: Span | undefined;
  for (const span of spans) {
    if (span.outStart > offset) break;
    previous = span;
  }
  if (!previous) return offset;
  // Inside an expanded value: point at the `${` that produced it.
  if (offset < previous.outEnd) return previous.srcStart;
  return previous.srcEnd + (offset - previous.outEnd);
}
