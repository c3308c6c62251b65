import type { z } from 'zod';
import { didYouMean } from './did-you-mean.js';
import { knownKeysAt } from './known-keys.js';

type Issue = z.core.$ZodIssue;

export interface FormatIssuesOptions {
  /** The schema that produced the error; enables "did you mean" for unknown keys. */
  readonly schema?: unknown;
}

/**
 * One line per problem: `<dotted.path>: <message>`, e.g. `modules.sqlite.config.db_dir: required`.
 * Lines never contain the offending input — zod's own wording is replaced wherever it could quote it — so
 * they are safe to print even when the value came from a secret.
 */
export function formatZodIssues(
  error: z.ZodError,
  pathPrefix: readonly PropertyKey[] = [],
  options: FormatIssuesOptions = {},
): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) lines.push(...formatIssue(issue, pathPrefix, [], options));
  return [...new Set(lines)];
}

function formatIssue(
  issue: Issue,
  prefix: readonly PropertyKey[],
  parentPath: readonly PropertyKey[],
  options: FormatIssuesOptions,
): string[] {
  const relative = [...parentPath, ...issue.path];
  const at = (message: string, path = relative) => `${formatPath([...prefix, ...path])}: ${message}`;
  // A schema's own message (e.g. `.min(1, 'must not be empty')`) is kept; zod's generic wording is replaced.
  if (!isZodWording(issue.message) && issue.code !== 'unrecognized_keys' && issue.code !== 'invalid_union') {
    return [at(issue.message)];
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = options.schema === undefined ? new Set<string>() : knownKeysAt(options.schema, relative);
      return issue.keys.map((key) => {
        const suggestion = didYouMean(key, known);
        return at(suggestion ? `unknown key (did you mean '${suggestion}'?)` : 'unknown key', [
          ...relative,
          key,
        ]);
      });
    }
    case 'invalid_type':
      return [at(typeMessage(issue))];
    case 'invalid_value':
      return [at(valueMessage(issue))];
    case 'invalid_union':
      return unionLines(issue, prefix, relative, options) ?? [at('does not match any allowed form')];
    case 'invalid_key': {
      const reasons = issue.issues.map((inner) => innerMessage(inner)).join('; ');
      return [at(`invalid key: ${reasons}`)];
    }
    case 'invalid_element':
      return issue.issues.flatMap((inner) => formatIssue(inner, prefix, relative, options));
    case 'too_small':
      return [
        at(sizeMessage(issue.origin, 'min', Number(issue.minimum), issue.inclusive ?? true, issue.exact)),
      ];
    case 'too_big':
      return [
        at(sizeMessage(issue.origin, 'max', Number(issue.maximum), issue.inclusive ?? true, issue.exact)),
      ];
    case 'invalid_format':
      return [at(formatMessage(issue))];
    case 'not_multiple_of':
      return [at(`must be a multiple of ${String(issue.divisor)}`)];
    default:
      return [at(issue.message)];
  }
}

/** `modules.fs.config`, `argument_filters[0].pattern`, `rate_limits.per_tool['mcp_proxy.*']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'symbol') out += `[${String(segment)}]`;
    else if (/^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `['${segment.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}']`;
  }
  return out || '(top level)';
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  map: 'a mapping',
  array: 'a list',
  tuple: 'a list',
  set: 'a list',
  null: 'null',
  date: 'a date',
};

const RECEIVED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true/false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
  date: 'a date',
};

function typeMessage(issue: z.core.$ZodIssueInvalidType): string {
  const received = receivedType(issue);
  if (received === 'undefined') return 'required';
  const expected = EXPECTED[issue.expected] ?? `of type ${issue.expected}`;
  const got = received ? RECEIVED[received] : undefined;
  return got && got !== expected && !(issue.expected === 'int' && received === 'number')
    ? `must be ${expected} (got ${got})`
    : `must be ${expected}`;
}

/** The received type, from the reported input when present, else from zod's standard wording. */
function receivedType(issue: z.core.$ZodIssueInvalidType): string | undefined {
  if ('input' in issue) {
    const input: unknown = issue.input;
    if (input === undefined) return 'undefined';
    if (input === null) return 'null';
    if (Array.isArray(input)) return 'array';
    if (input instanceof Date) return 'date';
    return typeof input;
  }
  return /received (\w+)$/.exec(issue.message)?.[1];
}

function valueMessage(issue: z.core.$ZodIssueInvalidValue): string {
  // `""` is an accepted spelling of "no mode" but not something to advertise.
  const values = issue.values.filter((value) => value !== '').map((value) => String(value));
  let message = values.length === 1 ? `must be ${values[0]}` : `must be one of ${values.join(', ')}`;
  if ('input' in issue && typeof issue.input === 'boolean') {
    message += ' (quote the value: YAML reads yes/no/on/off as true/false)';
  }
  return message;
}

function sizeMessage(
  origin: string,
  bound: 'min' | 'max',
  limit: number,
  inclusive: boolean,
  exact?: boolean,
): string {
  if (origin === 'array' || origin === 'set') {
    if (bound === 'min' && limit <= 1 && inclusive) return 'must not be empty';
    if (exact) return `must have exactly ${limit} item${limit === 1 ? '' : 's'}`;
    return `must have at ${bound === 'min' ? 'least' : 'most'} ${limit} item${limit === 1 ? '' : 's'}`;
  }
  if (origin === 'string') {
    if (bound === 'min' && limit <= 1 && inclusive) return 'must not be empty';
    if (exact) return `must be exactly ${limit} characters`;
    return `must be at ${bound === 'min' ? 'least' : 'most'} ${limit} characters`;
  }
  const operator = bound === 'min' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
  return `must be ${operator} ${limit}`;
}

/** zod's built-in (English) messages; anything else was written by the schema's author. */
function isZodWording(message: string): boolean {
  return /^(Invalid|Too small|Too big|Unrecognized key)/.test(message);
}

function formatMessage(issue: z.core.$ZodIssueInvalidStringFormat): string {
  if (issue.format === 'regex' && issue.pattern) return `must match the pattern ${issue.pattern}`;
  if (issue.format === 'starts_with' && 'prefix' in issue) return `must start with '${String(issue.prefix)}'`;
  if (issue.format === 'ends_with' && 'suffix' in issue) return `must end with '${String(issue.suffix)}'`;
  if (issue.format === 'includes' && 'includes' in issue) return `must contain '${String(issue.includes)}'`;
  return `must be a valid ${issue.format}`;
}

function innerMessage(issue: Issue): string {
  const line = formatIssue(issue, [], [], {})[0] ?? issue.message;
  // Inner issues of a key have an empty path; drop the "(top level): " the formatter gives them.
  return line.replace(/^\(top level\): /, '');
}

/**
 * A union fails with one issue list per option. When all options but one failed on the value's type alone,
 * the remaining option is what the author meant: report its issues instead of a vague "no match".
 */
function unionLines(
  issue: z.core.$ZodIssueInvalidUnion,
  prefix: readonly PropertyKey[],
  relative: readonly PropertyKey[],
  options: FormatIssuesOptions,
): string[] | undefined {
  const choices = 'options' in issue ? issue.options : undefined;
  if (issue.discriminator !== undefined && choices && choices.length > 0) {
    const values = choices.map((value) => String(value)).join(', ');
    // zod puts the discriminator key in the issue path already.
    return [`${formatPath([...prefix, ...relative])}: must be one of ${values}`];
  }
  const plausible = issue.errors.filter(
    (branch) => !(branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0),
  );
  if (plausible.length !== 1) return undefined;
  return plausible[0]!.flatMap((inner) => formatIssue(inner, prefix, relative, options));
}
