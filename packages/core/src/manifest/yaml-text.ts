import {
  type DocumentOptions,
  type ParseOptions,
  parseDocument,
  type SchemaOptions,
  type ScalarTag,
} from 'yaml';

/** A YAML problem located in the text; deliberately without the parser's message, which quotes the source. */
export interface YamlProblem {
  readonly code: string;
  /** Offset into the parsed text, when the parser knows it. */
  readonly offset?: number;
}

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
  const errors: YamlProblem[] = doc.errors.map((e) => ({ code: e.code, offset: e.pos[0] }));
  const warnings: YamlProblem[] = doc.warnings.map((w) => ({ code: w.code, offset: w.pos[0] }));
  if (errors.length > 0) return { value: undefined, errors, warnings };
  try {
    return { value: doc.toJS({ maxAliasCount: 100 }), errors, warnings };
  } catch (error) {
    return { value: undefined, errors: [{ code: conversionErrorCode(error) }], warnings };
  }
}

function conversionErrorCode(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
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
