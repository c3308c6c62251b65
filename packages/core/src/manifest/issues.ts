import type { z } from 'zod';
import { didYouMean } from '../shared/did-you-mean.js';
import type { Manifest } from './schema.js';

// What is wrong with a manifest, one line a person can act on per problem: zod issues formatted without
// ever quoting a value, "did you mean" for unknown keys, and warnings for what loads but is probably not
// what was meant.

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

// Walks a zod schema's definition to learn which keys an object at some path accepts, so an unknown key
// can be answered with "did you mean ...". Reads zod's public `_zod.def` structure defensively: anything
// unrecognised simply yields no suggestion.

interface SchemaNode {
  readonly _zod: { readonly def: { readonly type: string; readonly [key: string]: unknown } };
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'nonoptional', 'catch']);
const MAX_DEPTH = 64;

function knownKeysAt(schema: unknown, path: readonly PropertyKey[]): Set<string> {
  const keys = new Set<string>();
  collect(schema, path, keys, 0);
  return keys;
}

function collect(schema: unknown, path: readonly PropertyKey[], keys: Set<string>, depth: number): void {
  if (!isSchemaNode(schema) || depth > MAX_DEPTH) return;
  const def = schema._zod.def;
  const next = (child: unknown, rest: readonly PropertyKey[]) => collect(child, rest, keys, depth + 1);
  if (WRAPPERS.has(def.type)) {
    next(def.innerType, path);
    return;
  }
  switch (def.type) {
    case 'pipe':
      next(def.in, path);
      next(def.out, path);
      return;
    case 'union':
      if (Array.isArray(def.options)) for (const option of def.options) next(option, path);
      return;
    case 'intersection':
      next(def.left, path);
      next(def.right, path);
      return;
    case 'lazy':
      if (typeof def.getter === 'function') next((def.getter as () => unknown)(), path);
      return;
  }
  if (path.length === 0) {
    if (def.type === 'object' && typeof def.shape === 'object' && def.shape !== null) {
      for (const key of Object.keys(def.shape)) keys.add(key);
    }
    return;
  }
  const [head, ...rest] = path;
  if (
    def.type === 'object' &&
    typeof def.shape === 'object' &&
    def.shape !== null &&
    typeof head === 'string'
  ) {
    if (Object.hasOwn(def.shape, head)) next((def.shape as Record<string, unknown>)[head], rest);
  } else if (def.type === 'record') {
    next(def.valueType, rest);
  } else if (def.type === 'array' && typeof head === 'number') {
    next(def.element, rest);
  }
}

function isSchemaNode(value: unknown): value is SchemaNode {
  if (typeof value !== 'object' || value === null || !('_zod' in value)) return false;
  const zod = (value as { _zod: unknown })._zod;
  if (typeof zod !== 'object' || zod === null || !('def' in zod)) return false;
  const def = (zod as { def: unknown }).def;
  return typeof def === 'object' && def !== null && typeof (def as { type?: unknown }).type === 'string';
}

/**
 * Things that load but are probably not what the operator meant. Patterns that can never match fail open
 * (a rate limit or approval gate that silently applies to nothing), so they are called out at startup.
 */
export function manifestWarnings(manifest: Manifest, input: Readonly<Record<string, unknown>>): string[] {
  const warnings: string[] = [];
  const checkPattern = (path: readonly PropertyKey[], pattern: string) => {
    if (pattern.includes('.')) {
      warnings.push(`${formatPath(path)}: dotted pattern will never match a tool name (tool names use '_')`);
    }
  };
  for (const pattern of Object.keys(manifest.rate_limits?.per_tool ?? {})) {
    checkPattern(['rate_limits', 'per_tool', pattern], pattern);
  }
  for (const list of ['approval_required', 'shadow'] as const) {
    for (const [i, pattern] of (manifest.hitl?.[list] ?? []).entries())
      checkPattern(['hitl', list, i], pattern);
  }

  const credentials = input.credentials as Readonly<Record<string, unknown>> | null | undefined;
  if (manifest.credentials.source === 'env' && credentials?.path != null) {
    warnings.push("credentials.path: ignored, because credentials.source is 'env'");
  }
  const backend = input.state_backend as Readonly<Record<string, unknown>> | null | undefined;
  if (manifest.state_backend.type === 'in_process' && backend?.url != null) {
    warnings.push("state_backend.url: ignored, because state_backend.type is 'in_process'");
  }
  if (input.audit != null && (input.audit as Readonly<Record<string, unknown>>).response_filters != null) {
    warnings.push(
      'audit.response_filters: accepted for compatibility; prefer the top-level response_filters',
    );
  }
  if (manifest.hitl && manifest.hitl.approval_required.length === 0 && manifest.hitl.shadow.length === 0) {
    warnings.push('hitl: neither approval_required nor shadow lists a tool, so the block has no effect');
  }
  return warnings;
}
