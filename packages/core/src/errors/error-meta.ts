import type { ErrorCodeValue } from './codes.js';
import type { ErrorDetails, ScopedMcpError } from './errors.js';

// The machine-readable part of an error result. The agent's text stays as it was; a program reads the code
// and details from the result's `_meta` instead of parsing prose. Not in structuredContent: a client
// validates structuredContent against the tool's outputSchema even when isError is true.

/** The `_meta` key of an error result: `{ code, retry_after_ms?, approval_id?, limit?, ref? }`. */
export const ERROR_META_KEY = 'scoped-mcp/error';

export interface ErrorMeta extends ErrorDetails {
  readonly code: ErrorCodeValue;
}

export function errorMeta(error: ScopedMcpError): ErrorMeta {
  // `details` may be missing on an error from a module bundling an older copy of core.
  return { code: error.code, ...(error.details ?? {}) };
}

/** The error part of a tool result, or undefined when the result carries none. */
export function readErrorMeta(result: unknown): ErrorMeta | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const meta = (result as { _meta?: unknown })._meta;
  if (typeof meta !== 'object' || meta === null) return undefined;
  const error = (meta as Record<string, unknown>)[ERROR_META_KEY];
  if (typeof error !== 'object' || error === null) return undefined;
  return typeof (error as { code?: unknown }).code === 'string' ? (error as ErrorMeta) : undefined;
}
