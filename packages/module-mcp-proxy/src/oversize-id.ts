import type { OversizeLine } from '@scoped-mcp/core';

const ID_VALUE = String.raw`(-?\d+|"(?:[^"\\]|\\.){0,200}")`;
/** `{"jsonrpc":"2.0","id":…,"result":` or `{"id":…,"error":` (Python SDK, most hand-written servers). */
const ID_AT_START = new RegExp(
  String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*${ID_VALUE}\s*,\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"(?:result|error)"\s*:`,
);
/** `{"result":…` or `{"error":…`: a response whose id comes last (the TypeScript SDK's order). */
const RESPONSE_FIRST = /^\s*\{\s*"(?:result|error)"\s*:/;
/**
 * `,"id":…}` closing the line (the TypeScript SDK writes `{"result":…,"jsonrpc":"2.0","id":5}`). One closing
 * brace only: a nested `"id"` would be followed by at least two.
 */
const ID_AT_END = new RegExp(String.raw`,\s*"id"\s*:\s*${ID_VALUE}\s*\}\s*$`);

/**
 * The JSON-RPC id of a response too large to parse, found from its two ends only — so the request it
 * answers can be failed at once instead of waiting for its timeout. Undefined when the id is not where
 * a top-level id must be.
 */
export function oversizeMessageId(line: OversizeLine): string | number | undefined {
  // Requests and notifications from the upstream have ids of their own numbering: only responses qualify.
  const match =
    ID_AT_START.exec(line.head) ?? (RESPONSE_FIRST.test(line.head) ? ID_AT_END.exec(line.tail) : null);
  const raw = match?.[1];
  if (raw === undefined) return undefined;
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
