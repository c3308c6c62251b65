import { LimitExceededError } from '@scoped-mcp/core';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { linearRegExpEngine } from './linear-regexp.js';
import { canonicalDefinition } from './pins.js';
import { exceedsJsonBytes } from './result-size.js';
import { runWithin } from './time-budget.js';
import { uniqueItemsKeyword } from './unique-items.js';

/**
 * A mismatch as one line for the agent, or undefined when the arguments fit. Throws ArgumentCheckOverBudget
 * when checking took longer than the budget (the arguments are then neither accepted nor found invalid).
 */
export type ArgumentCheck = (args: unknown) => string | undefined;

/** The check was stopped at its budget. The caller names the tool in what the agent reads. */
export class ArgumentCheckOverBudget extends LimitExceededError {
  constructor(readonly budgetMs: number) {
    super(`checking the arguments takes longer than ${budgetMs} ms (argument_check_ms)`, {
      name: 'argument_check_ms',
      value: budgetMs,
    });
    this.name = 'ArgumentCheckOverBudget';
  }
}

/** Where the regular-expression engine reports patterns it leaves to JavaScript, while one schema compiles. */
let backtracking: Set<string> | undefined;

/**
 * Validation only, never transformation: no defaults filled in, no coercion, nothing removed — the upstream
 * receives exactly what the agent sent. `$ref`s are resolved inside the schema only (compiling is
 * synchronous and has no loader, so a remote `$ref` is never fetched: the schema fails to compile and the
 * upstream validates alone). Formats are the upstream's business (no format vocabulary is loaded).
 * Generated code is not optimised: that makes compiling 2–4× faster, and compiling runs within the budget.
 */
const OPTIONS: Options = {
  strict: false,
  validateSchema: false,
  validateFormats: false,
  addUsedSchema: false,
  allErrors: false,
  useDefaults: false,
  coerceTypes: false,
  removeAdditional: false,
  logger: false,
  code: { optimize: false, regExp: linearRegExpEngine((pattern) => backtracking?.add(pattern)) },
};

/**
 * Below this many schema characters × argument bytes, a schema without `$ref` and without backtracking
 * patterns is checked without a watchdog: each keyword then costs time linear in the data it looks at
 * (patterns run on RE2, uniqueItems hashes), so a check costs at most a few nanoseconds per unit — a few
 * milliseconds. Everything else runs within the budget (the watchdog costs ~0.2 ms a call).
 */
const UNWATCHED_WORK = 2 ** 22;
/**
 * Compiling runs once per distinct schema and its cost is the upstream's schema alone (pinned, when pins are
 * enforced), never the agent's arguments: it gets ten times a check's budget (1 s by default), so that an
 * ordinary schema is never left unchecked because the machine was busy when it first compiled.
 */
const compileBudgetMs = (budgetMs: number): number => 10 * budgetMs;
/** `$ref` can make a schema recurse: work exponential in the arguments' depth (anyOf over a recursive ref). */
const REFERENCE = /"\$(?:ref|dynamicRef|recursiveRef)":/;

type Dialect = 'draft2020' | 'draft2019' | 'draft07';
const engines = new Map<Dialect, Ajv>();

interface CompiledSchema {
  readonly validate: ValidateFunction | null;
  readonly error?: string;
  readonly backtracking: readonly string[];
  /** Recursion or backtracking patterns: its cost has no bound but the budget's. */
  readonly unbounded: boolean;
  readonly chars: number;
}

/** Compiled once per distinct schema text (and budget), shared by every upstream and tool in the process. */
const compiled = new Map<string, CompiledSchema>();
/** An upstream that keeps changing its schemas must not grow this process without bound. */
const MAX_COMPILED = 4096;

export interface CompiledCheck {
  /** Undefined when the schema could not be compiled (then the upstream is the only validator). */
  readonly check?: ArgumentCheck;
  readonly error?: string;
  /**
   * Patterns RE2 cannot express exactly (lookaround, backreferences, …): still checked, by JavaScript's
   * own engine, so only the budget bounds them. With the keyword each is the value of.
   */
  readonly backtracking: readonly PatternUse[];
}

export interface PatternUse {
  readonly keyword: 'pattern' | 'patternProperties';
  readonly pattern: string;
}

/**
 * Compiles (or reuses) the validator for a tool's inputSchema. A check takes at most `budgetMs` of the event
 * loop (past it, it throws ArgumentCheckOverBudget); compiling at most ten times that (past it, the schema
 * is left to the upstream and `error` says so). Never throws itself.
 */
export function compileArgumentCheck(
  schema: Readonly<Record<string, unknown>>,
  budgetMs: number,
): CompiledCheck {
  const key = `${budgetMs}:${canonicalDefinition(schema)}`;
  const current = compiled.get(key) ?? compileSchema(schema, key, budgetMs);
  const uses = patternUses(schema, current.backtracking);
  const validate = current.validate;
  if (!validate) return { error: current.error ?? 'the schema could not be compiled', backtracking: uses };
  const unwatchedBytes = Math.floor(UNWATCHED_WORK / current.chars);
  // A check stopped half-way leaves nothing half-done: ajv's validators keep no state between calls, and
  // re2js's DFA cache only ever holds finished states (an unfinished transition is worked out again).
  const check: ArgumentCheck = (args) => {
    const watched = current.unbounded || exceedsJsonBytes(args, unwatchedBytes);
    try {
      let valid: boolean;
      if (watched) {
        const outcome = runWithin(budgetMs, () => validate(args));
        if (!outcome.finished) throw new ArgumentCheckOverBudget(budgetMs);
        valid = outcome.value;
      } else {
        valid = validate(args);
      }
      return valid ? undefined : describeFailure(validate.errors?.[0]);
    } catch (error) {
      if ((error as Error | undefined)?.name === 'RangeError') {
        return 'the arguments nest too deeply to be checked against the schema';
      }
      throw error;
    }
  };
  return { check, backtracking: uses };
}

function compileSchema(
  schema: Readonly<Record<string, unknown>>,
  key: string,
  budgetMs: number,
): CompiledSchema {
  if (compiled.size >= MAX_COMPILED) {
    compiled.clear();
    engines.clear();
  }
  const dialect = dialectOf(schema);
  const ajv = engine(dialect);
  const found = new Set<string>();
  let validate: ValidateFunction | null = null;
  let error: string | undefined;
  backtracking = found;
  try {
    const outcome = runWithin(compileBudgetMs(budgetMs), () => ajv.compile(schema));
    if (outcome.finished) {
      validate = outcome.value;
    } else {
      // ajv's own bookkeeping may be half-done: later schemas get a fresh instance.
      engines.delete(dialect);
      error = `compiling it takes longer than ${compileBudgetMs(budgetMs)} ms (10 × argument_check_ms)`;
    }
  } catch (cause) {
    error = (cause as Error).message.slice(0, 300);
  } finally {
    backtracking = undefined;
  }
  const result: CompiledSchema = {
    validate,
    ...(error !== undefined ? { error } : {}),
    backtracking: [...found],
    unbounded: found.size > 0 || REFERENCE.test(key),
    chars: key.length,
  };
  compiled.set(key, result);
  return result;
}

/** Which keyword each pattern is the value of, found by walking the schema (for the operator's warning). */
function patternUses(schema: unknown, patterns: readonly string[]): PatternUse[] {
  if (patterns.length === 0) return [];
  const wanted = new Set(patterns);
  const uses = new Map<string, PatternUse>();
  const walk = (node: unknown, depth: number): void => {
    if (typeof node !== 'object' || node === null || depth > 64) return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item, depth + 1);
      return;
    }
    const record = node as Record<string, unknown>;
    if (typeof record.pattern === 'string' && wanted.has(record.pattern)) {
      uses.set(`pattern:${record.pattern}`, { keyword: 'pattern', pattern: record.pattern });
    }
    const properties = record.patternProperties;
    if (typeof properties === 'object' && properties !== null) {
      for (const pattern of Object.keys(properties)) {
        if (wanted.has(pattern)) uses.set(`pp:${pattern}`, { keyword: 'patternProperties', pattern });
      }
    }
    for (const value of Object.values(record)) walk(value, depth + 1);
  };
  walk(schema, 0);
  return [...uses.values()];
}

function dialectOf(schema: Readonly<Record<string, unknown>>): Dialect {
  const declared = schema.$schema;
  if (typeof declared !== 'string') return 'draft2020';
  if (declared.includes('2020-12')) return 'draft2020';
  if (declared.includes('2019-09')) return 'draft2019';
  return 'draft07';
}

function engine(dialect: Dialect): Ajv {
  let ajv = engines.get(dialect);
  if (!ajv) {
    ajv =
      dialect === 'draft2020'
        ? new Ajv2020(OPTIONS)
        : dialect === 'draft2019'
          ? new Ajv2019(OPTIONS)
          : new Ajv(OPTIONS);
    ajv.removeKeyword('uniqueItems');
    ajv.addKeyword(uniqueItemsKeyword);
    engines.set(dialect, ajv);
  }
  return ajv;
}

/**
 * Names where the arguments fail and what the schema wants there — from the schema's side only, never the
 * value the agent sent (it may be large, or a secret pasted into the wrong field).
 */
export function describeFailure(error: ErrorObject | undefined): string {
  if (!error) return 'the arguments do not match the schema';
  const where = error.instancePath ? `argument '${readablePath(error.instancePath)}'` : 'the arguments';
  let what = error.message ?? `fail '${error.keyword}'`;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    what += ` ('${safeName(params.additionalProperty)}' is not allowed)`;
  } else if (error.keyword === 'enum' && Array.isArray(params.allowedValues)) {
    const allowed = params.allowedValues.slice(0, 10).map((v) => JSON.stringify(v) ?? String(v));
    what += `: ${allowed.join(', ').slice(0, 200)}${params.allowedValues.length > 10 ? ', …' : ''}`;
  }
  return `${where} ${what}`;
}

/** JSON pointer → `a.b[0]`; agent-chosen key names are cut and stripped of control characters. */
function readablePath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(part) ? `[${part}]` : `${out ? '.' : ''}${safeName(part)}`;
  }
  return out.slice(0, 200);
}

function safeName(name: string): string {
  const cleaned = name.replace(/[\p{Cc}\p{Cf}'\n\r]/gu, '?');
  return cleaned.length > 64 ? `${cleaned.slice(0, 64)}…` : cleaned;
}
