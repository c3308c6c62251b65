import { ErrorCode } from '../errors/codes.js';
import { formatZodIssues } from './format-issues.js';
import { ManifestError } from './manifest-error.js';
import { manifestInputSchema, manifestSchema } from './manifest-schema.js';
import type { Manifest } from './manifest-types.js';
import { manifestWarnings } from './manifest-warnings.js';
import { type SubstitutionResult, substituteEnv } from './substitute-env.js';
import { isPlainMapping, lineColumnAt, parseYaml, type YamlProblem } from './yaml-text.js';

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
 * The manifest pipeline without the file read: `${VAR}` substitution → YAML → validation → normalisation.
 * `file` only names the source in messages. Throws `ManifestError`; no message ever contains a value.
 */
export function parseManifest(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): ParsedManifest {
  const substitution = substituteEnv(text, env);
  if (substitution.missing.length > 0) {
    throw new ManifestError(
      ErrorCode.manifestUndefinedVariable,
      file,
      substitution.missing.map((name) => `\${${name}}: environment variable is not set`),
      `Manifest '${file}' references undefined environment variable(s): ${substitution.missing.join(', ')}`,
    );
  }
  const scrub = scrubber(substitution);
  const parsed = parseYaml(substitution.text);
  const at = (problem: YamlProblem) => locate(text, file, substitution, problem);
  const fatal = [...parsed.errors, ...parsed.warnings.filter((w) => FATAL_YAML_WARNINGS.has(w.code))];
  if (fatal.length > 0) {
    const issues = [
      ...new Set(fatal.map((problem) => `${at(problem)}: YAML syntax error (${problem.code})`)),
    ];
    throw new ManifestError(
      ErrorCode.manifestSyntax,
      file,
      issues,
      `Manifest '${file}' is not valid YAML:\n${issues.map((i) => `  - ${i}`).join('\n')}`,
    );
  }
  const value = parsed.value;
  if (!isPlainMapping(value)) {
    throw new ManifestError(ErrorCode.manifestInvalid, file, [
      '(top level): must be a mapping (a YAML/JSON object)',
    ]);
  }
  // reportInput lets the formatter tell "missing" from "wrong type"; inputs are never printed. jitless: the
  // manifest is parsed once, and compiling zod's fast path for each object schema costs more than it saves.
  const result = manifestSchema.safeParse(value, { reportInput: true, jitless: true });
  if (!result.success) {
    const issues = formatZodIssues(result.error, [], { schema: manifestInputSchema }).map(scrub);
    throw new ManifestError(ErrorCode.manifestInvalid, file, issues);
  }
  const warnings = [
    ...parsed.warnings.map((problem) => `${at(problem)}: YAML warning (${problem.code})`),
    ...manifestWarnings(result.data, value).map(scrub),
  ];
  return { manifest: result.data, warnings };
}

/** `<file>:<line>:<col>` in the file as written (before substitution), or `<file>` when unknown. */
function locate(
  source: string,
  file: string,
  substitution: SubstitutionResult,
  problem: YamlProblem,
): string {
  if (problem.offset === undefined) return file;
  const { line, column } = lineColumnAt(source, substitution.toSourceOffset(problem.offset));
  return `${file}:${line}:${column}`;
}

/**
 * Last line of defence: a substituted value that reached a message anyway (say, as an unknown key) is put
 * back as the `${NAME}` it came from.
 */
function scrubber(substitution: SubstitutionResult): (line: string) => string {
  const values = [...substitution.substituted]
    .filter(([, value]) => value.length >= MIN_SCRUB_LENGTH)
    .sort(([, a], [, b]) => b.length - a.length);
  if (values.length === 0) return (line) => line;
  return (line) => values.reduce((out, [name, value]) => out.replaceAll(value, `\${${name}}`), line);
}
