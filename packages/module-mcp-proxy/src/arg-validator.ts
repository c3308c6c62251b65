import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { canonicalDefinition } from './pins.js';

export type ArgumentCheck = (args: unknown) => string | undefined;

/**
 * Validation only, never transformation: no defaults filled in, no coercion, nothing removed — the upstream
 * receives exactly what the agent sent. `$ref`s are resolved inside the schema only (compiling is
 * synchronous and has no loader, so a remote `$ref` is never fetched: the schema fails to compile and the
 * upstream validates alone). Formats are the upstream's business (no format vocabulary is loaded).
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
};

type Dialect = 'draft2020' | 'draft2019' | 'draft07';
const engines = new Map<Dialect, Ajv>();
/** Compiled once per distinct schema text, shared by every upstream and tool in the process. */
const compiled = new Map<string, ValidateFunction | null>();
/** An upstream that keeps changing its schemas must not grow this process without bound. */
const MAX_COMPILED = 4096;

export interface CompiledCheck {
  /** Undefined when the schema could not be compiled (then the upstream is the only validator). */
  readonly check?: ArgumentCheck;
  readonly error?: string;
}

/** Compiles (or reuses) the validator for a tool's inputSchema. Never throws. */
export function compileArgumentCheck(schema: Readonly<Record<string, unknown>>): CompiledCheck {
  const key = canonicalDefinition(schema);
  let validate = compiled.get(key);
  let error: string | undefined;
  if (validate === undefined) {
    if (compiled.size >= MAX_COMPILED) {
      compiled.clear();
      engines.clear();
    }
    try {
      validate = engine(dialectOf(schema)).compile(schema);
    } catch (cause) {
      validate = null;
      error = (cause as Error).message.slice(0, 300);
    }
    compiled.set(key, validate);
  }
  if (!validate) return { error: error ?? 'the schema could not be compiled' };
  const fn = validate;
  return {
    check: (args) => (fn(args) ? undefined : describeFailure(fn.errors?.[0])),
  };
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
