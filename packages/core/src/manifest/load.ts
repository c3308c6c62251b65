import { readFile, realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  type Document,
  type DocumentOptions,
  isPair,
  isScalar,
  isSeq,
  type ParseOptions,
  parseDocument,
  Scalar,
  type ScalarTag,
  type SchemaOptions,
  visit,
} from 'yaml';
import type { z } from 'zod';
import { ERRORS } from '../errors/codes.js';
import { ManifestError } from '../errors/errors.js';
import { splitLeadingIgnoreCase } from '../shared/filter-decode.js';
import { formatPath, formatZodIssues, manifestWarnings } from './issues.js';
import { describeYamlProblem, type YamlProblem } from './yaml-problems.js';
import {
  type CredentialsConfig,
  DEFAULT_LIMITS,
  type HitlConfig,
  type HitlNotifyConfig,
  type Manifest,
  type ManifestInput,
  type ModuleEntry,
  manifestInputSchema,
  type StateBackendConfig,
} from './schema.js';

// A manifest from file to `Manifest`: read → YAML → `${VAR}` substitution in scalar values → validation
// against the input schema → normalisation. Every failure is a ManifestError, and no message quotes a value.

export interface LoadedManifest {
  /** Real absolute path of the manifest file (symbolic links resolved). */
  readonly path: string;
  /**
   * Real directory of the manifest; relative paths in it (`./module.mjs`, module config paths, the secrets
   * file) resolve from here, and modules are looked for here. Not the directory of a link to the manifest:
   * whoever can write there (an agent's workspace) would choose the code that runs.
   */
  readonly dir: string;
  readonly manifest: Manifest;
  readonly warnings: string[];
}

/** Reads, parses, substitutes and validates a manifest (YAML or JSON). Throws `ManifestError`. */
export async function loadManifest(
  path: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedManifest> {
  let real: string;
  let text: string;
  try {
    real = await realpath(resolve(path));
    text = await readFile(real, 'utf8');
  } catch (error) {
    throw readError(path, error);
  }
  const { manifest, warnings } = parseManifest(text, path, env);
  return { path: real, dir: dirname(real), manifest, warnings };
}

function readError(path: string, error: unknown): ManifestError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ManifestError(
      'SMCP_MANIFEST_NOT_FOUND',
      path,
      [`${path}: file not found`],
      `Manifest file not found: ${path}`,
    );
  }
  const reason =
    code === 'EISDIR'
      ? 'is a directory, not a file'
      : code === 'EACCES'
        ? 'cannot be read (permission denied)'
        : `cannot be read (${code ?? 'unknown error'})`;
  return new ManifestError(
    'SMCP_MANIFEST_NOT_FOUND',
    path,
    [`${path}: ${reason}`],
    `Manifest '${path}' ${reason}`,
  );
}

export interface ParsedManifest {
  readonly manifest: Manifest;
  /** Loads, but probably not what was meant (e.g. a pattern that can never match). */
  readonly warnings: string[];
}

// A YAML warning that would otherwise turn a value into something else silently (PyYAML refuses it too).
const FATAL_YAML_WARNINGS = new Set(['TAG_RESOLVE_FAILED']);
// Shorter substituted values are not hunted down in messages: too likely to be ordinary words.
const MIN_SCRUB_LENGTH = 4;

/**
 * The manifest pipeline without the file read: YAML → `${VAR}` substitution in scalar values →
 * validation → normalisation. `file` only names the source in messages. Throws `ManifestError`; no
 * message ever contains a value.
 */
export function parseManifest(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): ParsedManifest {
  const at = (problem: YamlProblem) => {
    const described = describeYamlProblem(text, problem);
    return `${locate(text, file, described.offset)}: ${described.text}`;
  };
  const doc = parseDocument(text, MANIFEST_OPTIONS);
  const fatal = [
    ...doc.errors.map(problemOf),
    ...doc.warnings.filter((w) => FATAL_YAML_WARNINGS.has(w.code)).map(problemOf),
  ];
  if (fatal.length > 0) throw syntaxError(file, fatal, at, quoteHint(text, file, fatal));
  const substitution = substituteEnv(doc, env);
  if (substitution.keys.length > 0) {
    throw new ManifestError(
      'SMCP_MANIFEST_INVALID',
      file,
      substitution.keys.map(
        (path) => `${formatPath(path)}: a key cannot use \${VAR} substitution (only values are substituted)`,
      ),
    );
  }
  if (substitution.missing.length > 0) {
    throw new ManifestError(
      'SMCP_MANIFEST_UNDEFINED_VARIABLE',
      file,
      substitution.missing.map((name) => `\${${name}}: environment variable is not set`),
      ERRORS.SMCP_MANIFEST_UNDEFINED_VARIABLE.message(file, substitution.missing),
    );
  }
  const scrub = scrubber(substitution.substituted);
  const converted = toJs(doc);
  if ('problem' in converted) throw syntaxError(file, [converted.problem], at);
  const value = converted.value;
  if (!isPlainMapping(value)) {
    throw new ManifestError('SMCP_MANIFEST_INVALID', file, [
      '(top level): must be a mapping (a YAML/JSON object)',
    ]);
  }
  // reportInput lets the formatter tell "missing" from "wrong type"; inputs are never printed. jitless: the
  // manifest is parsed once, and compiling zod's fast path for each object schema costs more than it saves.
  const result = manifestSchema.safeParse(value, { reportInput: true, jitless: true });
  if (!result.success) {
    const issues = formatZodIssues(result.error, [], { schema: manifestInputSchema }).map(scrub);
    throw new ManifestError('SMCP_MANIFEST_INVALID', file, issues);
  }
  const warnings = [
    ...doc.warnings.map((w) => `${locate(text, file, w.pos[0])}: YAML warning (${w.code})`),
    ...manifestWarnings(result.data, value).map(scrub),
  ];
  return { manifest: result.data, warnings };
}

function syntaxError(
  file: string,
  problems: readonly YamlProblem[],
  at: (problem: YamlProblem) => string,
  hint?: string,
): ManifestError {
  // One issue per place: the parser may give one mistake several codes there.
  const byPlace = new Map<string, string>();
  for (const issue of problems.map(at)) {
    const place = issue.slice(0, issue.indexOf(': '));
    if (!byPlace.has(place)) byPlace.set(place, issue);
  }
  const issues = [...byPlace.values()];
  if (hint) issues.push(hint);
  return new ManifestError(
    'SMCP_MANIFEST_SYNTAX',
    file,
    issues,
    ERRORS.SMCP_MANIFEST_SYNTAX.message(file, issues),
  );
}

/**
 * `{` and `}` are flow indicators, so `{path: ${DIR}/x}` is not YAML. Substitution used to happen on the
 * raw text, where it was: the first broken line that holds a `${` gets a hint to quote the value.
 */
function quoteHint(source: string, file: string, problems: readonly YamlProblem[]): string | undefined {
  for (const problem of problems) {
    if (problem.offset === undefined) continue;
    const lineStart = source.lastIndexOf('\n', problem.offset - 1) + 1;
    const lineEnd = source.indexOf('\n', problem.offset);
    const line = source.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
    if (HAS_VARIABLE.test(line) && /[{[]/.test(line)) {
      const { line: number } = lineColumnAt(source, problem.offset);
      return `${file}:${number}: hint: an unquoted \${VAR} inside { } or [ ] is not valid YAML; quote the value ("\${VAR}")`;
    }
  }
  return undefined;
}

/** `<file>:<line>:<col>`, or `<file>` when the parser does not know where. */
function locate(source: string, file: string, offset: number | undefined): string {
  if (offset === undefined) return file;
  const { line, column } = lineColumnAt(source, offset);
  return `${file}:${line}:${column}`;
}

/**
 * Last line of defence: a substituted value that reached a message anyway is put back as the `${NAME}` it
 * came from.
 */
function scrubber(substituted: ReadonlyMap<string, string>): (line: string) => string {
  const values = [...substituted]
    .filter(([, value]) => value.length >= MIN_SCRUB_LENGTH)
    .sort(([, a], [, b]) => b.length - a.length);
  if (values.length === 0) return (line) => line;
  return (line) => values.reduce((out, [name, value]) => out.replaceAll(value, `\${${name}}`), line);
}

type Input = ManifestInput;

/** Validates a parsed manifest and returns it normalised (see `Manifest`). */
export const manifestSchema: z.ZodType<
  Manifest,
  z.input<typeof manifestInputSchema>
> = manifestInputSchema.transform(normaliseManifest);

const DEFAULT_ENTRY: ModuleEntry = Object.freeze({
  mode: null,
  type: null,
  config: Object.freeze({}),
  optional: false,
  dependency_wait_timeout_seconds: 30,
  dependency_wait_interval_seconds: 1,
});

/** Turns the validated manifest into its runtime shape: nulls dropped, aliases resolved, defaults settled. */
function normaliseManifest(input: Input): Manifest {
  const responseFilters = input.response_filters ?? input.audit?.response_filters ?? undefined;
  return {
    agent_type: input.agent_type,
    description: input.description ?? '',
    modules: Object.fromEntries(
      Object.entries(input.modules).map(([key, entry]) => [key, moduleEntry(entry)]),
    ),
    credentials: credentials(input.credentials),
    state_backend: stateBackend(input.state_backend),
    limits: Object.freeze({ ...DEFAULT_LIMITS, ...input.limits }),
    ...defined(
      'rate_limits',
      input.rate_limits && {
        ...defined('global', input.rate_limits.global ?? undefined),
        per_tool: input.rate_limits.per_tool,
      },
    ),
    ...defined('argument_filters', input.argument_filters?.map(filterRule)),
    ...defined('response_filters', responseFilters?.map(filterRule)),
    ...defined('hitl', input.hitl ? hitl(input.hitl) : undefined),
    ...defined(
      'audit',
      input.audit && {
        agent_bus_emit: input.audit.agent_bus_emit,
        ...defined('agent_bus_comms_dir', input.audit.agent_bus_comms_dir ?? undefined),
        log_args: input.audit.log_args,
        otel_service_name: input.audit.otel_service_name,
        ...defined('chain_key', input.audit.chain_key ?? undefined),
        head_every_lines: input.audit.head_every_lines,
        max_args_bytes: input.audit.max_args_bytes,
      },
    ),
    ...defined('max_auto_risk', input.max_auto_risk ?? undefined),
    ...defined('interaction_permissions', input.interaction_permissions ?? undefined),
    ...defined('workspace_access', input.workspace_access ?? undefined),
  };
}

/** Spreads `{ [key]: value }` only when value is present, so absent blocks stay absent (not `undefined` keys). */
function defined<K extends string, V>(key: K, value: V | null | undefined): { [P in K]?: V } {
  return value === undefined || value === null ? {} : ({ [key]: value } as { [P in K]?: V });
}

function moduleEntry(entry: Input['modules'][string]): ModuleEntry {
  if (entry === null) return DEFAULT_ENTRY;
  return {
    mode: entry.mode === '' ? null : entry.mode,
    type: entry.type,
    config: entry.config ?? {},
    optional: entry.optional,
    dependency_wait_timeout_seconds: entry.dependency_wait_timeout_seconds,
    dependency_wait_interval_seconds: entry.dependency_wait_interval_seconds,
  };
}

function credentials(input: Input['credentials']): CredentialsConfig {
  const strict = input?.strict_permissions ?? true;
  if (input?.source === 'file' && input.path != null) {
    return { source: 'file', path: input.path, strict_permissions: strict };
  }
  if (input?.source === 'vault' && input.vault != null) {
    return { source: 'vault', vault: input.vault, strict_permissions: strict };
  }
  return { source: 'env', strict_permissions: strict };
}

function stateBackend(input: Input['state_backend']): StateBackendConfig {
  const prefix = defined('key_prefix', input?.key_prefix ?? undefined);
  if (input && input.type !== 'in_process' && input.url != null)
    return { type: 'redis', url: input.url, ...prefix };
  return { type: 'in_process', ...prefix };
}

/** A leading Python `(?i)` becomes `case_insensitive: true`, leaving a plain JavaScript pattern. */
function filterRule<Rule extends { readonly pattern: string; readonly case_insensitive: boolean }>(
  rule: Rule,
): Rule {
  const split = splitLeadingIgnoreCase(rule.pattern);
  return {
    ...rule,
    pattern: split.pattern,
    case_insensitive: rule.case_insensitive || split.caseInsensitive,
  };
}

function hitl(input: NonNullable<Input['hitl']>): HitlConfig {
  return {
    approval_required: input.approval_required,
    shadow: input.shadow,
    timeout_seconds: input.timeout_seconds,
    notify: notify(input.notify),
    mode: input.mode,
    signing: {
      mode: input.signing.mode,
      ...defined('public_key_path', input.signing.public_key_path ?? undefined),
      ...defined('approve_command', input.signing.approve_command ?? undefined),
    },
    max_argument_bytes: input.max_argument_bytes,
  };
}

function notify(input: NonNullable<Input['hitl']>['notify']): HitlNotifyConfig {
  switch (input.type) {
    case 'ntfy':
      return { type: 'ntfy', topic: input.topic ?? '', ...defined('url', input.url ?? undefined) };
    case 'webhook':
      return { type: 'webhook', url: input.url ?? '' };
    case 'matrix':
      return { type: 'matrix', room: input.room ?? '' };
    default:
      return { type: 'log' };
  }
}

// Braced form only, as in the reference: `$VAR` stays literal. Extension: `${VAR:-default}`.
const VARIABLE_SOURCE = String.raw`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}`;
const VARIABLE = new RegExp(VARIABLE_SOURCE, 'g');
const HAS_VARIABLE = new RegExp(VARIABLE_SOURCE);
const ONLY_VARIABLE = new RegExp(`^${VARIABLE_SOURCE}$`);

export interface ExpandedText {
  readonly text: string;
  /** Undefined variable names, each once, in order of use. */
  readonly missing: readonly string[];
  /** Values taken from the environment, by variable name (defaults are not secrets and are left out). */
  readonly substituted: ReadonlyMap<string, string>;
}

/**
 * Expands `${VAR}` and `${VAR:-default}` in one text. An empty value counts as defined for `${VAR}`;
 * `${VAR:-default}` uses the default when VAR is unset or empty. The value is put in as it is: nothing
 * in it is interpreted.
 */
export function expandVariables(text: string, env: NodeJS.ProcessEnv): ExpandedText {
  const missing: string[] = [];
  const substituted = new Map<string, string>();
  const expanded = text.replace(VARIABLE, (_whole, name: string, fallback: string | undefined) => {
    const raw = Object.hasOwn(env, name) ? env[name] : undefined;
    if (raw) {
      substituted.set(name, raw);
      return raw;
    }
    if (fallback !== undefined) return fallback;
    if (raw === '') return '';
    if (!missing.includes(name)) missing.push(name);
    return '';
  });
  return { text: expanded, missing, substituted };
}

interface SubstitutionResult {
  /** Undefined variable names, each once, in order of first use. */
  readonly missing: readonly string[];
  /** Values put into the manifest, by variable name; used to keep them out of error messages. */
  readonly substituted: ReadonlyMap<string, string>;
  /** Paths of mapping keys that hold a `${VAR}` (refused: keys are structure, not values). */
  readonly keys: readonly (readonly PropertyKey[])[];
}

/**
 * Expands `${VAR}` in the scalar values of a parsed document, in place. The text of the manifest is never
 * rewritten, so a value can only ever become a value: quotes, newlines, `#` or `: ` in it arrive as they
 * are and add no structure. A plain (unquoted) scalar that is exactly one `${VAR}` takes the type YAML
 * gives the value alone (`${PORT}` → 8080, `${FLAG}` → true), as when the reference substituted the
 * text; anything else is a string. Comments are not looked at.
 */
function substituteEnv(doc: Document, env: NodeJS.ProcessEnv): SubstitutionResult {
  const missing: string[] = [];
  const substituted = new Map<string, string>();
  const keys: PropertyKey[][] = [];
  visit(doc, {
    Pair(_key, pair, path) {
      const key = pair.key;
      if (isScalar(key) && typeof key.value === 'string' && HAS_VARIABLE.test(key.value)) {
        keys.push([...pathOf(path), key.value]);
      }
    },
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string' || !HAS_VARIABLE.test(node.value)) return;
      const source = node.value;
      const expanded = expandVariables(source, env);
      for (const name of expanded.missing) if (!missing.includes(name)) missing.push(name);
      for (const [name, value] of expanded.substituted) substituted.set(name, value);
      const whole = node.type === Scalar.PLAIN && !node.tag && ONLY_VARIABLE.test(source);
      node.value = whole ? plainScalarValue(expanded.text) : expanded.text;
    },
  });
  return { missing, substituted, keys };
}

/**
 * What a plain scalar written as the value alone would be: a number, boolean or null when YAML reads the
 * whole text as exactly that scalar, else the text itself (never a collection, never a part of the text).
 */
function plainScalarValue(text: string): unknown {
  const alone = parseDocument(text, MANIFEST_OPTIONS);
  const node = alone.contents;
  if (alone.errors.length > 0 || alone.warnings.length > 0 || !isScalar(node)) return text;
  if (node.type !== Scalar.PLAIN || node.source !== text) return text;
  const value: unknown = node.value;
  return typeof value === 'number' || typeof value === 'boolean' || value === null ? value : text;
}

/** The manifest path of a node from the visitor's ancestry (map keys and sequence indexes). */
function pathOf(ancestry: readonly unknown[]): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let i = 0; i < ancestry.length; i++) {
    const node = ancestry[i];
    if (isPair(node)) {
      const key = node.key;
      path.push(isScalar(key) ? String(key.value) : '?');
    } else if (isSeq(node)) {
      const child = ancestry[i + 1];
      const index = node.items.indexOf(child as never);
      if (index >= 0) path.push(index);
    }
  }
  return path;
}

/** A YAML problem located in the text; deliberately without the parser's message, which quotes the source. */
export type { YamlProblem };

export interface YamlParseResult {
  readonly value: unknown;
  readonly errors: readonly YamlProblem[];
  readonly warnings: readonly YamlProblem[];
}

// PyYAML (YAML 1.1) reads yes/no/on/off as booleans; reference manifests rely on it (`optional: yes`). The
// `yaml` package's own 1.1 schema also turns `y`/`n` into booleans (a key `y:` becomes `true:`), which PyYAML
// does not, so we extend the 1.2 core schema with exactly PyYAML's extra words instead.
const pyyamlBool: ScalarTag = {
  identify: (value) => typeof value === 'boolean',
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/,
  resolve: (text) => /^(?:yes|Yes|YES|on|On|ON)$/.test(text),
};

const MANIFEST_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.2',
  merge: true,
  uniqueKeys: true,
  customTags: (tags) => [...tags, pyyamlBool],
  // 'silent' would also drop some errors (MULTIPLE_DOCS); 'error' collects warnings without printing them.
  logLevel: 'error',
};

// Secrets are taken verbatim: with the failsafe schema `0777`, `yes` and `1e3` stay the strings written.
const VERBATIM_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.2',
  schema: 'failsafe',
  uniqueKeys: true,
  // 'silent' would also drop some errors (MULTIPLE_DOCS); 'error' collects warnings without printing them.
  logLevel: 'error',
};

/** Parses one YAML (or JSON) document. Never throws for bad input; problems come back as codes and offsets. */
export function parseYaml(text: string, mode: 'manifest' | 'verbatim' = 'manifest'): YamlParseResult {
  const doc = parseDocument(text, mode === 'manifest' ? MANIFEST_OPTIONS : VERBATIM_OPTIONS);
  const errors = doc.errors.map(problemOf);
  const warnings = doc.warnings.map(problemOf);
  if (errors.length > 0) return { value: undefined, errors, warnings };
  const converted = toJs(doc);
  if ('problem' in converted) return { value: undefined, errors: [converted.problem], warnings };
  return { value: converted.value, errors, warnings };
}

function problemOf(error: { readonly code: string; readonly pos: readonly [number, number] }): YamlProblem {
  return { code: error.code, offset: error.pos[0], end: error.pos[1] };
}

/** The document as plain values, with alias expansion bounded (billion laughs). */
function toJs(doc: Document): { value: unknown } | { problem: YamlProblem } {
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }) };
  } catch (error) {
    return { problem: { code: conversionErrorCode(error) } };
  }
}

function conversionErrorCode(error: unknown): string {
  if (!(error instanceof Error)) return 'CONVERSION_FAILED';
  const { message } = error;
  if (message.startsWith('Excessive alias count')) return 'ALIAS_LIMIT';
  if (message.startsWith('Unresolved alias')) return 'UNRESOLVED_ALIAS';
  if (message.startsWith('Merge sources')) return 'BAD_MERGE';
  return 'CONVERSION_FAILED';
}

/** 1-based line and column of an offset. */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < clamped; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, column: clamped - lineStart + 1 };
}

export function isPlainMapping(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
