import { isRawResult, rawResult } from '../module/define.js';
import type { JsonValue, RawToolResult, ToolOutput } from '../module/types.js';
import { asText } from './filter-decode-steps.js';

/** Called for every string the agent will see; returns the (possibly redacted) text. May throw to block. */
export type StringVisitor = (text: string, kind: 'value' | 'key') => string;

/**
 * Applies `visit` to every string of a tool's output and returns the output with the results,
 * copy-on-write: untouched parts keep their identity and the handler's objects are never modified.
 * JSON outputs: every string value and object key. Raw results (beyond the reference, which scanned
 * none of them): text blocks, embedded resources (`text`, and `blob` when it decodes to text) and
 * `structuredContent`. Images, audio and binary blobs are not text and pass unchanged.
 */
export function mapOutputStrings(output: ToolOutput, visit: StringVisitor): ToolOutput {
  if (isRawResult(output)) return mapRawResult(output, visit);
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
