import type { AuditLogger } from '../audit/loggers.js';
import { isScopedMcpError, PolicyError, ScopedMcpError } from '../errors/errors.js';
import type { ResponseFilterRule } from '../manifest/schema.js';
import { isRawResult, isStructuredResult, rawResult, structuredResult } from '../module/define.js';
import type { JsonValue, RawToolResult, ToolOutput } from '../module/types.js';
import {
  asText,
  type Candidate,
  type CompiledFilterRule,
  compileFilterRule,
  DecodeBudget,
  deriveCandidates,
  type FilterHit,
  hitFields,
  matchRule,
} from '../shared/filter-decode.js';
import type { Middleware } from './compose.js';

export interface ResponseFilterOptions {
  readonly rules: readonly ResponseFilterRule[];
  readonly audit: AuditLogger;
  readonly agentId: string;
}

type ResponseRule = CompiledFilterRule<'block' | 'warn' | 'redact'>;

/**
 * Reference §5.5, the innermost middleware: it filters what the handler returned before anything else
 * sees it. Every string the agent will read is checked (mapOutputStrings, below), rules in manifest
 * order, each rule's output feeding the next: `block` refuses the whole response, `warn` audits,
 * `redact` replaces the match (also one only visible after decoding, see redactMatches).
 * Agent-visible error messages a handler throws are filtered the same way.
 */
export function createResponseFilterMiddleware(options: ResponseFilterOptions): Middleware {
  const { audit, agentId } = options;
  const rules: ResponseRule[] = options.rules.map((rule) => compileFilterRule(rule));

  return async (call, next) => {
    const pass = new ResponsePass(rules, audit, agentId, call.tool);
    let output: ToolOutput;
    try {
      output = await next();
    } catch (error) {
      throw pass.filterError(error);
    }
    const filtered = mapOutputStrings(output, (text) => pass.apply(text));
    pass.report();
    return filtered;
  };
}

interface Tally {
  count: number;
  decoded: number;
  first: FilterHit;
}

/** One response: shared decode budget, per-rule counts for the audit lines written at the end. */
class ResponsePass {
  private readonly budget = new DecodeBudget();
  private readonly warned = new Map<ResponseRule, Tally>();
  private readonly redacted = new Map<ResponseRule, Tally>();

  constructor(
    private readonly rules: readonly ResponseRule[],
    private readonly audit: AuditLogger,
    _agentId: string,
    private readonly tool: string,
  ) {}

  apply(text: string): string {
    let current = text;
    // Rules sharing a decode chain share the candidates of the current text.
    let cache = new Map<string, readonly Candidate[]>();
    const derived = (rule: ResponseRule, value: string): readonly Candidate[] => {
      if (value !== current) return deriveCandidates(value, rule.decode, this.budget, 'response');
      let candidates = cache.get(rule.chainKey);
      if (!candidates) {
        candidates = deriveCandidates(value, rule.decode, this.budget, 'response');
        cache.set(rule.chainKey, candidates);
      }
      return candidates;
    };
    for (const rule of this.rules) {
      const hit = matchRule(rule, current, () => derived(rule, current));
      if (!hit) continue;
      if (rule.action === 'block') {
        this.audit.warn(
          { tool: this.tool, filter_name: rule.name, ...hitFields(hit) },
          'response_filter_blocked',
        );
        this.reportSkipped();
        throw new PolicyError(this.tool, 'response');
      }
      if (rule.action === 'warn') {
        tally(this.warned, rule, hit);
        continue;
      }
      const result = redactMatches(rule, current, (value) => derived(rule, value));
      tally(this.redacted, rule, hit);
      if (result.text !== current) {
        current = result.text;
        cache = new Map();
      }
    }
    return current;
  }

  /** A ScopedMcpError's message reaches the agent, so it is output too; other errors reach it as a ref only. */
  filterError(error: unknown): unknown {
    if (!isScopedMcpError(error)) return error;
    let filtered: string;
    try {
      filtered = this.apply(error.message);
    } catch (blocked) {
      return blocked;
    }
    this.report();
    if (filtered === error.message) return error;
    const replacement = new ScopedMcpError(error.code, filtered, { details: error.details });
    replacement.name = error.name;
    return replacement;
  }

  report(): void {
    const base = { tool: this.tool };
    for (const [rule, t] of this.warned) {
      this.audit.warn(
        { ...base, filter_name: rule.name, count: t.count, ...hitFields(t.first) },
        'response_filter_warning',
      );
    }
    for (const [rule, t] of this.redacted) {
      this.audit.warn(
        { ...base, filter_name: rule.name, count: t.count, decoded_count: t.decoded },
        'response_filter_redacted',
      );
    }
    this.reportSkipped();
  }

  private reportSkipped(): void {
    for (const reason of this.budget.skipped.keys()) {
      this.audit.info({ tool: this.tool, reason }, 'response_filter_decode_skipped');
    }
  }
}

function tally(map: Map<ResponseRule, Tally>, rule: ResponseRule, hit: FilterHit): void {
  const t = map.get(rule);
  const decoded = hit.matchedOn === 'decoded' ? 1 : 0;
  if (t) {
    t.count++;
    t.decoded += decoded;
  } else {
    map.set(rule, { count: 1, decoded, first: hit });
  }
}

const REDACTION = '[REDACTED]';

/** Runs of text between delimiters; encodings (base64, percent-escapes) never contain a delimiter. */
const TOKEN = /[^\s"'`()<>[\]{},;]+/g;

interface Redacted {
  readonly text: string;
  /** True when only a derived candidate matched, so the redaction had to find the encoded text. */
  readonly decodedOnly: boolean;
}

/**
 * `[REDACTED]` in place of every raw match, as the reference does. Beyond it, a match that is only
 * visible after decoding or normalising is redacted too: each token (a run between whitespace, quotes,
 * brackets, commas and semicolons) whose own candidates match is replaced whole — the base64 blob or
 * percent-encoded URL that hides the match. If the text still matches after that (a match spanning
 * tokens), the whole string becomes `[REDACTED]`: failing towards redaction, never towards leaking.
 */
function redactMatches(
  rule: CompiledFilterRule<string>,
  text: string,
  derive: (text: string) => readonly Candidate[],
): Redacted {
  let out = text;
  let decodedOnly = true;
  if (rule.search.test(out)) {
    out = out.replace(rule.replace, REDACTION);
    decodedOnly = false;
  }
  if (!matchRule(rule, out, () => derive(out))) return { text: out, decodedOnly };
  out = out.replace(TOKEN, (token) =>
    token !== REDACTION && matchRule(rule, token, () => derive(token)) ? REDACTION : token,
  );
  if (matchRule(rule, out, () => derive(out))) out = REDACTION;
  return { text: out, decodedOnly };
}

/** Called for every string the agent will see; returns the (possibly redacted) text. May throw to block. */
type StringVisitor = (text: string, kind: 'value' | 'key') => string;

/**
 * Applies `visit` to every string of a tool's output and returns the output with the results,
 * copy-on-write: untouched parts keep their identity and the handler's objects are never modified.
 * JSON outputs: every string value and object key; a structured result's text too. Raw results (beyond the reference, which scanned
 * none of them): text blocks, embedded resources (`text`, and `blob` when it decodes to text) and
 * `structuredContent`. Images, audio and binary blobs are not text and pass unchanged.
 */
function mapOutputStrings(output: ToolOutput, visit: StringVisitor): ToolOutput {
  if (isRawResult(output)) return mapRawResult(output, visit);
  if (isStructuredResult(output)) {
    const text = visit(output.text, 'value');
    const value = mapJson(output.value, visit);
    return text === output.text && value === output.value ? output : structuredResult(value, text);
  }
  return mapJson(output, visit);
}

function mapRawResult(output: RawToolResult, visit: StringVisitor): ToolOutput {
  const { result } = output;
  let changed = false;
  const content = result.content.map((block) => {
    const mapped = mapBlock(block, visit);
    if (mapped !== block) changed = true;
    return mapped;
  });
  let structured = result.structuredContent;
  if (structured !== undefined) {
    const mapped = mapJson(structured as JsonValue, visit);
    if (mapped !== structured) {
      structured = mapped as typeof structured;
      changed = true;
    }
  }
  if (!changed) return output;
  return rawResult({
    ...result,
    content,
    ...(structured !== undefined ? { structuredContent: structured } : {}),
  });
}

type Block = RawToolResult['result']['content'][number];

function mapBlock(block: Block, visit: StringVisitor): Block {
  if (block.type === 'text' && typeof block.text === 'string') {
    const text = visit(block.text, 'value');
    return text === block.text ? block : { ...block, text };
  }
  if (block.type === 'resource' && isRecord(block.resource)) {
    const resource = block.resource;
    if (typeof resource.text === 'string') {
      const text = visit(resource.text, 'value');
      return text === resource.text ? block : { ...block, resource: { ...resource, text } };
    }
    if (typeof resource.blob === 'string') {
      // A text file sent as a blob is still text the agent reads.
      const decoded = asText(Buffer.from(resource.blob, 'base64'));
      if (decoded === undefined) return block;
      const text = visit(decoded, 'value');
      if (text === decoded) return block;
      return { ...block, resource: { ...resource, blob: Buffer.from(text, 'utf8').toString('base64') } };
    }
  }
  return block;
}

function mapJson(value: JsonValue, visit: StringVisitor): JsonValue {
  if (typeof value === 'string') return visit(value, 'value');
  if (Array.isArray(value)) {
    let copy: JsonValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i] as JsonValue;
      const mapped = mapJson(item, visit);
      if (mapped !== item && copy === undefined) copy = value.slice(0, i);
      copy?.push(mapped);
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  const entries = Object.entries(value);
  let changed = false;
  const mapped = entries.map(([key, item]): [string, JsonValue] => {
    const newKey = visit(key, 'key');
    const newItem = mapJson(item, visit);
    if (newKey !== key || newItem !== item) changed = true;
    return [newKey, newItem];
  });
  if (!changed) return value;
  const copy: Record<string, JsonValue> = {};
  for (const [key, item] of mapped) {
    let name = key;
    // Two keys redacted to the same text must not overwrite each other.
    for (let n = 2; Object.hasOwn(copy, name); n++) name = `${key} (${n})`;
    // defineProperty: a key named `__proto__` stays a plain property.
    Object.defineProperty(copy, name, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isPlainObject(value: unknown): value is { readonly [key: string]: JsonValue } {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
