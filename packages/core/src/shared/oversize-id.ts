import type { OversizeLine } from './line-framer.js';

/** What an over-long JSON-RPC line was, as far as its first bytes tell. */
export type OversizeKind = 'request' | 'notification' | 'response' | 'unknown';

export interface OversizeMessage {
  readonly kind: OversizeKind;
  /** The message's top-level id, when its head or its tail shows it; absent otherwise. */
  readonly id?: string | number;
}

const ID_VALUE = String.raw`(-?\d+|"(?:[^"\\]|\\.){0,200}")`;
/** One top-level member whose value is a scalar, at the start of the rest of the head. */
const SCALAR_MEMBER =
  /\s*"(jsonrpc|id|method)"\s*:\s*(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"(?:[^"\\]|\\.){0,200}"|true|false|null)\s*,/y;
/** The key of the first member whose value is an object or array (`params`, `result`, `error`). */
const NESTED_MEMBER = /\s*"([^"\\]{1,32})"\s*:\s*[[{]/y;
/**
 * `,"id":…}` closing the line (the TypeScript SDK writes `{"method":…,"params":{…},"jsonrpc":"2.0","id":5}`).
 * One closing brace only: a nested `"id"` would be followed by at least two, and one inside a string would
 * have its quotes escaped.
 */
const ID_AT_END = new RegExp(String.raw`,\s*"id"\s*:\s*${ID_VALUE}\s*\}\s*$`);

/**
 * What a JSON-RPC line too large to parse was, and its id, found from its two ends only: the members
 * before the first nested value (`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{…`, the Python
 * SDK's order) and the last member (`…},"jsonrpc":"2.0","id":7}`, the TypeScript SDK's). So a request can
 * be answered, and a response can fail the request it answers, instead of waiting for a timeout.
 * Nothing is guessed: an id that is not where a top-level id must be is no id.
 */
export function readOversizeMessage(line: OversizeLine): OversizeMessage {
  const head = line.head;
  const open = /^\s*\{/.exec(head);
  if (!open) return { kind: 'unknown' };
  const scalars = new Map<string, string>();
  let at = open[0].length;
  for (;;) {
    SCALAR_MEMBER.lastIndex = at;
    const member = SCALAR_MEMBER.exec(head);
    if (!member) break;
    scalars.set(member[1]!, member[2]!);
    at = SCALAR_MEMBER.lastIndex;
  }
  NESTED_MEMBER.lastIndex = at;
  const nested = NESTED_MEMBER.exec(head)?.[1];
  const method = scalars.get('method');
  let kind: OversizeKind = 'unknown';
  if (method !== undefined) kind = 'request';
  else if (nested === 'result' || nested === 'error') kind = 'response';
  // A request's method may come after its params; without it in the head, `params` still says request.
  else if (nested === 'params') kind = 'request';
  const rawId = scalars.get('id') ?? (nested !== undefined ? ID_AT_END.exec(line.tail)?.[1] : undefined);
  const id = rawId === undefined ? undefined : parseId(rawId);
  if (kind === 'request' && id === undefined && method !== undefined && isNotificationMethod(method)) {
    return { kind: 'notification' };
  }
  return id === undefined ? { kind } : { kind, id };
}

/**
 * The id of an over-long response (an upstream's answer that cannot be parsed), so the request it answers
 * fails at once. Undefined for anything that is not recognisably a response: an upstream's own requests
 * have ids of their own numbering.
 */
export function oversizeResponseId(line: OversizeLine): string | number | undefined {
  const message = readOversizeMessage(line);
  return message.kind === 'response' ? message.id : undefined;
}

function parseId(raw: string): string | number | undefined {
  if (raw.startsWith('"')) {
    try {
      return JSON.parse(raw) as string;
    } catch {
      return undefined;
    }
  }
  const id = Number(raw);
  return Number.isSafeInteger(id) ? id : undefined;
}

function isNotificationMethod(raw: string): boolean {
  try {
    const method: unknown = JSON.parse(raw);
    return typeof method === 'string' && method.startsWith('notifications/');
  } catch {
    return false;
  }
}
