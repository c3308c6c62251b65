// Filter patterns in reference manifests are Python regular expressions; we run them as JavaScript ones
// (without the `u` flag). Most syntax means the same in both; the checks below reject the constructs that
// would silently mean something else here — a filter that quietly never matches fails open.

const LEADING_IGNORE_CASE = '(?i)';
/** Escapes that mean the same in Python and in a JavaScript RegExp without the `u` flag. */
const PORTABLE_ESCAPE_LETTERS = new Set('bBdDwWsSfnrtvxuck');
const ESCAPE_ADVICE: Readonly<Record<string, string>> = {
  A: "use '^' for the start of the text",
  Z: "use '$' for the end of the text",
  z: "use '$' for the end of the text",
};
const INLINE_FLAGS = /^\(\?[aiLmsux]+\)/;

/** Splits the Python inline `(?i)` that reference patterns start with into a flag. */
export function splitLeadingIgnoreCase(pattern: string): { pattern: string; caseInsensitive: boolean } {
  return pattern.startsWith(LEADING_IGNORE_CASE)
    ? { pattern: pattern.slice(LEADING_IGNORE_CASE.length), caseInsensitive: true }
    : { pattern, caseInsensitive: false };
}

/**
 * Why `pattern` cannot be used as a filter, or undefined when it can. The reason never quotes the pattern
 * beyond the offending construct (an escape or a flag group).
 */
export function filterPatternProblem(pattern: string): string | undefined {
  const body = splitLeadingIgnoreCase(pattern).pattern;
  if (body.length === 0) return 'must not be empty (an empty pattern matches everything)';
  const construct = unportableConstruct(body);
  if (construct) return construct;
  try {
    new RegExp(body);
  } catch (error) {
    return `is not a valid regular expression (${regexpReason(error)})`;
  }
  return undefined;
}

/** Compiles a validated filter pattern; a leading `(?i)` is honoured like `case_insensitive: true`. */
export function compileFilterPattern(
  pattern: string,
  options: { caseInsensitive?: boolean; flags?: string } = {},
): RegExp {
  const split = splitLeadingIgnoreCase(pattern);
  const ignoreCase = options.caseInsensitive === true || split.caseInsensitive;
  const flags = new Set(options.flags ?? '');
  if (ignoreCase) flags.add('i');
  return new RegExp(split.pattern, [...flags].join(''));
}

function unportableConstruct(body: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < body.length; i += 1) {
    const char = body[i];
    if (char === '\\') {
      const next = body[i + 1] ?? '';
      if (/^[A-Za-z]$/.test(next) && !PORTABLE_ESCAPE_LETTERS.has(next)) {
        const advice = ESCAPE_ADVICE[next];
        return `uses the escape '\\${next}', which JavaScript regular expressions do not support${advice ? ` (${advice})` : ''}`;
      }
      i += 1;
      continue;
    }
    if (inClass) {
      if (char === ']') inClass = false;
      continue;
    }
    if (char === '[') {
      inClass = true;
      const first = body[i + 1] === '^' ? i + 2 : i + 1;
      if (body[first] === ']') {
        return "starts a character class with ']', which Python reads as a literal and JavaScript as an empty class; write '\\]'";
      }
      continue;
    }
    if (char === '(' && body[i + 1] === '?') {
      const problem = groupProblem(body.slice(i), i === 0);
      if (problem) return problem;
    }
  }
  return undefined;
}

function groupProblem(group: string, atStart: boolean): string | undefined {
  if (/^\(\?P[<=>]/.test(group)) {
    return "uses Python named-group syntax '(?P<name>...)'; write '(?<name>...)' and '\\k<name>'";
  }
  if (group.startsWith('(?#'))
    return "uses a '(?#...)' comment, which JavaScript regular expressions do not support";
  const flags = INLINE_FLAGS.exec(group);
  if (flags) {
    const where = atStart ? '' : ' in the middle of the pattern';
    return `uses the inline flag group '${flags[0]}'${where}; only a leading '(?i)' is supported (or set case_insensitive: true)`;
  }
  return undefined;
}

function regexpReason(error: unknown): string {
  // V8 formats "Invalid regular expression: /<pattern>/<flags>: <reason>"; keep only the reason.
  const message = error instanceof Error ? error.message : '';
  const reason = message.slice(message.lastIndexOf(': ') + 2).trim();
  return reason.length > 0 && reason.length < 80 ? reason : 'syntax error';
}
