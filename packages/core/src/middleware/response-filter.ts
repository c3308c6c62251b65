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
  MAX_ENCODED_CHARS,
  matchRule,
} from '../shared/filter-decode.js';
import type { Middleware } from './compose.js';

export interface ResponseFilterOptions {
  readonly rules: readonly ResponseFilterRule[];
  readonly audit: AuditLogger;
  readonly agentId: string;
}

export type ResponseRule = CompiledFilterRule<'block' | 'warn' | 'redact'>;

/** The manifest's response_filters, compiled once at startup (for the middleware and the outbound policy). */
export function compileResponseRules(rules: readonly ResponseFilterRule[]): readonly ResponseRule[] {
  return rules.map((rule) => compileFilterRule(rule));
}

/**
 * Reference §5.5, the innermost middleware: it filters what the handler returned before anything else
 * sees it. Every string the agent will read is checked (mapOutputStrings, below), rules in manifest
 * order, each rule's output feeding the next: `block` refuses the whole response, `warn` audits,
 * `redact` replaces the match (also one only visible after decoding, see redactMatches).
 * Agent-visible error messages a handler throws are filtered the same way. The other channels to the
 * agent (tool definitions, notifications, requests) go through the same rules in server/outbound-policy.ts.
 */
export function createResponseFilterMiddleware(options: ResponseFilterOptions): Middleware {
  const { audit } = options;
  const rules = compileResponseRules(options.rules);

  return async (call, next) => {
    const pass = new ResponsePass(rules, audit, { tool: call.tool });
    let output: ToolOutput;
    try {
      output = await next();
    } catch (error) {
      throw pass.filterError(error);
    }
    const filtered = mapOutputStrings(output, pass);
    pass.report();
    return filtered;
  };
}

interface Tally {
  count: number;
  decoded: number;
  first: FilterHit;
}

/**
 * One response (a tool result, a tool definition, a notification, a request): shared decode budget,
 * per-rule counts for the audit lines written at the end. `where` names it in every audit line
 * (`{ tool }`, or `{ channel, module }` for a notification).
 */
export class ResponsePass {
  private readonly budget = new DecodeBudget();
  private readonly warned = new Map<ResponseRule, Tally>();
  private readonly redacted = new Map<ResponseRule, Tally>();

  constructor(
    private readonly rules: readonly ResponseRule[],
    private readonly audit: AuditLogger,
    private readonly where: Readonly<Record<string, unknown>>,
    /** What a block refuses: the tool named in the agent's generic error. */
    private readonly tool: string = typeof where.tool === 'string' ? where.tool : '',
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
        this.blocked(rule, hitFields(hit));
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

  /**
   * Matches that span adjacent text blocks (a key cut in two): the blocks are matched as one text, on
   * their raw form. `block` refuses, `warn` audits, `redact` replaces each block's part of the match.
   * Matches inside one block were handled by apply() already.
   */
  acrossBlocks(texts: readonly string[]): string[] {
    let current = [...texts];
    for (const rule of this.rules) {
      const joined = current.join('');
      if (!rule.search.test(joined)) continue;
      const starts: number[] = [];
      let offset = 0;
      for (const text of current) {
        starts.push(offset);
        offset += text.length;
      }
      const blockAt = (position: number) => {
        let i = starts.length - 1;
        while (i > 0 && (starts[i] as number) > position) i--;
        return i;
      };
      const cuts: { block: number; start: number; end: number }[] = [];
      rule.replace.lastIndex = 0;
      for (let m = rule.replace.exec(joined); m !== null; m = rule.replace.exec(joined)) {
        if (m[0].length === 0) {
          rule.replace.lastIndex++;
          continue;
        }
        const start = m.index;
        const end = start + m[0].length;
        const first = blockAt(start);
        const last = blockAt(end - 1);
        if (first === last) continue;
        if (rule.action === 'block') this.blocked(rule, { matched_on: 'raw', across_blocks: true });
        if (rule.action === 'warn') {
          tally(this.warned, rule, { matchedOn: 'raw' });
          continue;
        }
        tally(this.redacted, rule, { matchedOn: 'raw' });
        for (let b = first; b <= last; b++) {
          const base = starts[b] as number;
          cuts.push({
            block: b,
            start: Math.max(start, base) - base,
            end: Math.min(end, base + (current[b] as string).length) - base,
          });
        }
      }
      rule.replace.lastIndex = 0;
      if (cuts.length === 0) continue;
      // From the end, so earlier offsets stay valid.
      cuts.sort((a, b) => b.block - a.block || b.start - a.start);
      const next = [...current];
      for (const cut of cuts) {
        const text = next[cut.block] as string;
        next[cut.block] = text.slice(0, cut.start) + REDACTION + text.slice(cut.end);
      }
      current = next;
    }
    return current;
  }

  /**
   * A base64 payload whose media type says it is text (an `image` or `audio` block typed `text/plain`,
   * `image/svg+xml`, …): decoded within the response's decode budget, checked, and re-encoded when a
   * rule changed it. Undefined when it is not text or too large to decode (then it passes as is).
   */
  textOfBase64(data: string, where: string): string | undefined {
    if (data.length > MAX_ENCODED_CHARS) {
      this.budget.skip('value_too_large', where);
      return undefined;
    }
    if (!this.budget.take(data.length, where)) return undefined;
    return asText(Buffer.from(data, 'base64'));
  }

  private blocked(rule: ResponseRule, fields: Readonly<Record<string, unknown>>): never {
    this.audit.warn({ ...this.where, filter_name: rule.name, ...fields }, 'response_filter_blocked');
    this.reportSkipped();
    throw new PolicyError(this.tool, 'response');
  }

  report(): void {
    const base = this.where;
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
      this.audit.info({ ...this.where, reason }, 'response_filter_decode_skipped');
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
export type StringVisitor = (text: string) => string;

/**
 * Applies the pass to every string of a tool's output and returns the output with the results,
 * copy-on-write: untouched parts keep their identity and the handler's objects are never modified.
 * JSON outputs: every string value and object key; a structured result's text too. Raw results: see
 * mapRawResult.
 */
function mapOutputStrings(output: ToolOutput, pass: ResponsePass): ToolOutput {
  const visit: StringVisitor = (text) => pass.apply(text);
  if (isRawResult(output)) return mapRawResult(output, pass);
  if (isStructuredResult(output)) {
    const text = visit(output.text);
    const value = mapStrings(output.value, visit) as JsonValue;
    return text === output.text && value === output.value ? output : structuredResult(value, text);
  }
  return mapStrings(output, visit) as JsonValue;
}

/**
 * Every string of a raw result the agent can read: each content block of any type (text, the `uri`,
 * `name`, `title`, `description` of a link, an embedded resource's `uri` and `text`, a blob or an
 * `image`/`audio` payload that is text, annotations, `_meta`), `structuredContent`, the result's own
 * `_meta` and any other field. Adjacent text blocks are also matched as one text (pass.acrossBlocks).
 * Only `type`, `isError` and binary payloads are left alone.
 */
function mapRawResult(output: RawToolResult, pass: ResponsePass): ToolOutput {
  const visit: StringVisitor = (text) => pass.apply(text);
  const { result } = output;
  let changed = false;
  let content = result.content.map((block) => {
    const mapped = mapBlock(block, pass, visit);
    if (mapped !== block) changed = true;
    return mapped;
  });
  const joined = mapAdjacentTextBlocks(content, pass);
  if (joined !== content) {
    content = joined;
    changed = true;
  }
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(result)) {
    if (key === 'content' || key === 'isError') continue;
    const mapped = mapStrings(value, visit);
    if (mapped !== value) changed = true;
    copy[key] = mapped;
  }
  if (!changed) return output;
  return rawResult({
    ...copy,
    content,
    ...(result.isError !== undefined ? { isError: result.isError } : {}),
  });
}

type Block = RawToolResult['result']['content'][number];

function mapBlock(block: Block, pass: ResponsePass, visit: StringVisitor): Block {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(block)) {
    let mapped: unknown;
    if (key === 'type') continue;
    if (key === 'data' && typeof value === 'string' && (block.type === 'image' || block.type === 'audio')) {
      mapped = isTextMimeType(block.mimeType) ? mapBase64(value, pass, visit) : value;
    } else if (key === 'resource' && isRecord(value)) {
      mapped = mapResource(value, pass, visit);
    } else {
      // Field names of a block are protocol, not text: only their values are visited.
      mapped = typeof value === 'string' ? visit(value) : mapStrings(value, visit);
    }
    if (mapped !== value) {
      copy ??= { ...block };
      copy[key] = mapped;
    }
  }
  return (copy as Block | undefined) ?? block;
}

function mapResource(
  resource: Record<string, unknown>,
  pass: ResponsePass,
  visit: StringVisitor,
): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(resource)) {
    // A text file sent as a blob is still text the agent reads, whatever its declared type.
    const mapped =
      key === 'blob' && typeof value === 'string'
        ? mapBase64(value, pass, visit)
        : typeof value === 'string'
          ? visit(value)
          : mapStrings(value, visit);
    if (mapped !== value) {
      copy ??= { ...resource };
      copy[key] = mapped;
    }
  }
  return copy ?? resource;
}

function mapBase64(data: string, pass: ResponsePass, visit: StringVisitor): string {
  const text = pass.textOfBase64(data, 'base64_payload');
  if (text === undefined) return data;
  const filtered = visit(text);
  return filtered === text ? data : Buffer.from(filtered, 'utf8').toString('base64');
}

/** Media types whose payload is text people (and models) read: text/*, JSON, XML, YAML, SVG, … */
const TEXT_MIME_TYPE =
  /^(?:text\/[^;]+|application\/(?:json|xml|yaml|x-yaml|javascript|ecmascript|x-www-form-urlencoded|x-sh|sql|graphql|ld\+json)|[a-z]+\/[^;]+\+(?:json|xml|yaml))\s*(?:;.*)?$/i;

export function isTextMimeType(mimeType: unknown): boolean {
  return typeof mimeType === 'string' && TEXT_MIME_TYPE.test(mimeType.trim());
}

function mapAdjacentTextBlocks(content: Block[], pass: ResponsePass): Block[] {
  let out: Block[] | undefined;
  let runStart = -1;
  const flush = (end: number) => {
    if (runStart >= 0 && end - runStart >= 2) {
      const texts = content.slice(runStart, end).map((block) => block.text as string);
      const filtered = pass.acrossBlocks(texts);
      for (let i = 0; i < filtered.length; i++) {
        if (filtered[i] === texts[i]) continue;
        out ??= [...content];
        out[runStart + i] = { ...(content[runStart + i] as Block), text: filtered[i] };
      }
    }
    runStart = -1;
  };
  for (let i = 0; i < content.length; i++) {
    const block = content[i] as Block;
    if (block.type === 'text' && typeof block.text === 'string') {
      if (runStart < 0) runStart = i;
    } else flush(i);
  }
  flush(content.length);
  return out ?? content;
}

/**
 * Applies `visit` to every string of a JSON-like value, object keys included, copy-on-write. Two keys
 * redacted to the same text are kept apart; a key named `__proto__` stays a plain property.
 */
export function mapStrings(value: unknown, visit: StringVisitor): unknown {
  if (typeof value === 'string') return visit(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const mapped = mapStrings(item, visit);
      if (mapped !== item && copy === undefined) copy = value.slice(0, i);
      copy?.push(mapped);
    }
    return copy ?? value;
  }
  if (!isPlainObject(value)) return value;
  const entries = Object.entries(value);
  let changed = false;
  const mapped = entries.map(([key, item]): [string, unknown] => {
    const newKey = visit(key);
    const newItem = mapStrings(item, visit);
    if (newKey !== key || newItem !== item) changed = true;
    return [newKey, newItem];
  });
  if (!changed) return value;
  const copy: Record<string, unknown> = {};
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
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainObject(value: unknown): value is { readonly [key: string]: unknown } {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
